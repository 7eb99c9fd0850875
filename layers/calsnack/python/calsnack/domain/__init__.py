"""The model: events, attendees and answers. Imports nothing outside the standard library."""
