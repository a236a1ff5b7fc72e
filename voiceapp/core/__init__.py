"""What every area stands on: settings, the database, SQLite helpers, i18n, errors,
the tables, phone-number and locale helpers, and the sliding-window attempt limiter.
Nothing here imports an area package."""
