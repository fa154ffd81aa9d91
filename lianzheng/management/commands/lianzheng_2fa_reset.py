"""Removes a person's authenticator and backup codes, for one who lost both (README.md)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lianzheng.signin.twofactor import twofactor_remove


class Command(BaseCommand):
    help = "Remove a login's two-factor authenticator and backup codes; he enrols again."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No login named {username!r}.")
        twofactor_remove(user=user)
        self.stdout.write(f"Two-factor sign-in removed for {username}; he enrols again.")
