"""The Django layer of deliberation rooms (议事厅) around the pure engine in
moderation/procedure/: services (writes), selectors (reads), timers, messages, minutes."""
