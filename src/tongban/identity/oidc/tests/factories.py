"""Incidental rows for the OIDC tests: enterprises and agent grants (identity's own tables)."""

from datetime import timedelta

import factory
from django.utils import timezone

from tongban.identity.models import AgentGrant, LegalPerson
from tongban.testing.factories import UserFactory


class LegalPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalPerson

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(lambda n: f"91510100MA{n:07d}X")
    representative = factory.SubFactory(UserFactory)
    verified_at = factory.LazyFunction(timezone.now)


class AgentGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentGrant

    legal_person = factory.SubFactory(LegalPersonFactory)
    agent = factory.SubFactory(UserFactory)
    scopes = factory.LazyFunction(lambda: ["apply"])
    valid_until = factory.LazyFunction(lambda: timezone.now() + timedelta(days=90))
