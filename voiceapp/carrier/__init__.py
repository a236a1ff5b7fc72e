"""What talks to the carrier other than its webhooks: its REST API."""
