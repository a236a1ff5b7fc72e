"""Carrier webhooks: parse the form, call one domain function, answer TwiML."""
