"""Home pages per role and the language switch."""
