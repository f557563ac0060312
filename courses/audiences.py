"""Who a course is for: its audience, and which audiences count as つながりサポーター."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    CITIZEN = "citizen", _("一般向け")
    CHILDREN = "children", _("こども向け")
    STAFF = "staff", _("職員向け")


# The audiences whose completions count as つながりサポーター (KPI), and whose courses in-person
# session reports name; every other audience (staff) counts towards 受講率 instead.
SUPPORTER_AUDIENCES = [Audience.CITIZEN, Audience.CHILDREN]
