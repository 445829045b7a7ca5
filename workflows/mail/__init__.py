"""Messages to people outside the app: e-mail to reporters and (opted-in) officers, and an outgoing
signed webhook for an SMS/WhatsApp gateway, through an outbox table the worker delivers."""
