"""Factories for the domain: people in their offices, and cases ready for each transition."""

from __future__ import annotations

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from lianzheng.choices import PersonCategory, Rank, Role, UnitKind
from lianzheng.models import Person, RoleAssignment, Unit
from lianzheng.roles import group_name


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"section-test-{n}")
    name = factory.Sequence(lambda n: f"测试科{n}")
    kind = UnitKind.SECTION
    county = ""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=group_name(role))[0])


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"人员{n}")
    unit = factory.SubFactory(UnitFactory)
    category = PersonCategory.BUREAU_STAFF
    rank = Rank.STAFF_MEMBER
    post = "科员"


# The cast has held its offices since before the regulation, so a case loaded with the clock
# moved back (R6.5) finds them in office on the day of each step.
HELD_SINCE = date(2021, 1, 1)


def officer(role: Role, *, name: str, username: str, unit=None, sections=(), groups=None):
    """A bureau leader or officer with a login, his group, and his RoleAssignment(s)."""
    leader_roles = {
        Role.PRINCIPAL_HEAD,
        Role.DEPUTY_HEAD_PERSONNEL,
        Role.DEPUTY_HEAD_DISCIPLINE,
        Role.LEADER_IN_CHARGE,
    }
    # The login's own name is the person's, as an administrator enters it in the user form.
    user = UserFactory(username=username, first_name=name, roles=groups or [role])
    person = PersonFactory(
        name=name,
        user=user,
        unit=unit or UnitFactory(code="section-office", name="办公室"),
        category=PersonCategory.BUREAU_LEADER
        if role in leader_roles
        else PersonCategory.BUREAU_STAFF,
        rank=Rank.COUNTY_LEVEL if role in leader_roles else Rank.SECTION_CHIEF,
    )
    if role == Role.LEADER_IN_CHARGE:
        for section in sections:
            RoleAssignment.objects.create(
                person=person, role=role, unit=section, valid_from=HELD_SINCE
            )
    else:
        RoleAssignment.objects.create(person=person, role=role, valid_from=HELD_SINCE)
    return person
