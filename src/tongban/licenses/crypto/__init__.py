"""Signatures for electronic licences: algorithms, canonical encoding, COSE_Sign1, QR payloads and
EU Digital COVID Certificate verification. Pure functions, no database."""
