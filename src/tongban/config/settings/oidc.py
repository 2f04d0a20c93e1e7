"""OpenID Connect provider settings (django-oauth-toolkit; owned by identity.oidc)."""
