"""Meetings booked ahead and what their invitees receive: the calendar (iCalendar, iTIP),
the dial-in block, the e-mail in each invitee's language, reminders and changes.

The modules here that build messages are pure: they take the plain views of
meeting_view and return icalendar Calendars and EmailMessages, reading no database
and no clock, so the booking rules can write the result to the outbox in the same
transaction as the change that causes it.
"""
