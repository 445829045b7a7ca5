"""API keys for systems that file reports into Aduan (Open311): scoped, stored hashed, rate-limited."""
