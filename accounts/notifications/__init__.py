"""Notifications: the one service every app notifies through (services.notify), the bulk
path of an outreach, the member's inbox (read, 收到) and the live events on user.<id>.

The model stays in the accounts app (accounts/models/notifications.py, table
accounts_notification), so no migration moved.
"""
