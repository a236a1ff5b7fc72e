"""The conference server's rooms and everything a caller meets inside it: room
settings, seats and the cap (and their SQL), PIN lockout, the caller's path."""
