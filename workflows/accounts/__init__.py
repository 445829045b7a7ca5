"""Accounts: officers (users), passwords and bearer tokens (credentials, token_cache), failed-login
throttling (logins), roles, and the scope rules that decide what each officer may see and do
(scope). Managing accounts and handing a leaver's work to a successor is in users."""
