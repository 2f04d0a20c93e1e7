"""Identity settings: password hashing, sign-in protection, SMS sender (owned by identity)."""
