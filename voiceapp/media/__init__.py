"""Self-hosted audio under the media directory (VOICEAPP_MEDIA_DIR): rendered prompts,
hold music and recorded greetings, and the route that serves them to the carrier."""
