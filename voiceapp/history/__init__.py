"""The call history: one row per call, its outcome and its end."""
