"""Sign-in security: lockout after failed sign-ins, the password policy, the Content-Security-Policy
and two-factor sign-in. Settings are in site/settings/base.py; README.md, "Sign-in security"."""
