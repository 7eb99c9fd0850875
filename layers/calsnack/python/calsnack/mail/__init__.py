"""Mail in and out: parsing what clients send, composing what the service sends."""
