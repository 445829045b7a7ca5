"""Notifications for officers: to one officer, or to everyone of a role in a scope (inbox)."""
