"""Contacts and contact groups: the people an account invites, kept per account.

people.py holds the rules for one contact, groups.py for named sets of them,
files.py reads CSV and vCard files and importing.py adds what they hold, with a report
of what was imported, updated and skipped and why. Every function takes the owner: an
account never reads or changes another's contacts.
"""
