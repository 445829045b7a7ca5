"""Outgoing webhooks: subscribers get a signed POST on the complaint events they chose, via the outbox."""
