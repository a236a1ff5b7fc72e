"""Admin accounts (argon2id) and login throttling."""
