"""Users, roles, cohorts, login and administration."""
