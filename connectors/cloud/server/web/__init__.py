"""The web pages (Spanish, server-rendered) and the session-authenticated JSON for browsers."""
