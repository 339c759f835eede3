"""Accounts a resident makes alone: sign-up and sign-in by mobile number and SMS code
through django-allauth. This package holds only what allauth leaves to the project: where
the phone number is stored (adapter.py), how a number is read (phones.py) and how a text
message leaves (sms.py)."""
