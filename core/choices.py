"""Reference lists every app shares."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.TextChoices):
    BEREA = "berea", _("Berea")
    BUTHA_BUTHE = "butha_buthe", _("Butha-Buthe")
    LERIBE = "leribe", _("Leribe")
    MAFETENG = "mafeteng", _("Mafeteng")
    MASERU = "maseru", _("Maseru")
    MOHALES_HOEK = "mohales_hoek", _("Mohale's Hoek")
    MOKHOTLONG = "mokhotlong", _("Mokhotlong")
    QACHAS_NEK = "qachas_nek", _("Qacha's Nek")
    QUTHING = "quthing", _("Quthing")
    THABA_TSEKA = "thaba_tseka", _("Thaba-Tseka")


class Language(models.TextChoices):
    SESOTHO = "st", _("Sesotho")
    ENGLISH = "en", _("English")


class Currency(models.TextChoices):
    LSL = "LSL", _("Lesotho loti (LSL)")
    ZAR = "ZAR", _("South African rand (ZAR)")
    MUR = "MUR", _("Mauritian rupee (MUR)")
    USD = "USD", _("US dollar (USD)")
