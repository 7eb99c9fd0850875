"""iCalendar in and out: reading what calendar clients send, writing the invitations calsnack sends."""
