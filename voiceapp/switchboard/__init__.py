"""Phone numbers, extensions, where a call to each goes (routing), voicemail, and
the conference server as an extension."""
