"""Fictitious people and organisations for the demo and the benchmarks, with valid-checksum IINs
and BINs. Every surname is built on "demo", "test", "example", "sample", "fiction" (Демоұлы,
Тестова, Сынақов — from сынақ "test", Мысалова — from мысал "example", Үлгіев — from үлгі
"sample", Вымыслов — from вымысел "fiction"); any likeness to a real person is accidental."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from tergeu.persons.iin import check_digit, make_iin

# (male form, female form)
SURNAMES: tuple[tuple[str, str], ...] = (
    ("Демоұлы", "Демоқызы"),
    ("Тестов", "Тестова"),
    ("Сынақов", "Сынақова"),
    ("Мысалов", "Мысалова"),
    ("Үлгіев", "Үлгіева"),
    ("Вымыслов", "Вымыслова"),
    ("Примеров", "Примерова"),
    ("Образцов", "Образцова"),
    ("Макетов", "Макетова"),
)
MALE_NAMES = ("Ерлан", "Данияр", "Нурлан", "Азамат", "Иван", "Сергей", "Арман", "Бауыржан", "Тимур")
FEMALE_NAMES = ("Айгерім", "Асель", "Динара", "Ольга", "Мадина", "Жанна", "Гульнара", "Елена")
# (male, female)
PATRONYMICS: tuple[tuple[str, str], ...] = (
    ("Маратович", "Маратовна"),
    ("Ерланович", "Ерлановна"),
    ("Сергеевич", "Сергеевна"),
    ("Асқарұлы", "Асқарқызы"),
    ("Болатович", "Болатовна"),
    ("Серікұлы", "Серікқызы"),
)
# Fictitious organisations (ТОО = limited liability partnership).
ENTITY_NAMES = (
    "ТОО «Демо-Строй»",
    "ТОО «Тест-Сауда»",
    "ТОО «Үлгі Логистик»",
    "ТОО «Мысал Инвест»",
    "АО «Сынақ Энерго»",
)


@dataclass(frozen=True)
class FakePerson:
    iin: str
    last_name: str
    first_name: str
    patronymic: str
    birth_date: date
    sex: str


class PersonFactory:
    """Deterministic fictitious persons with unique, valid IINs."""

    def __init__(self, rng: random.Random, taken: set[str] | None = None) -> None:
        self.rng = rng
        self.taken: set[str] = taken if taken is not None else set()
        self.serial = 1000

    def person(self, *, sex: str | None = None) -> FakePerson:
        rng = self.rng
        sex = sex or rng.choice("MF")
        birth = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        iin = None
        while iin is None or iin in self.taken:
            self.serial = self.serial + 1 if self.serial < 9999 else 1000
            iin = make_iin(birth, sex, self.serial)
        self.taken.add(iin)
        male = sex == "M"
        surname = rng.choice(SURNAMES)[0 if male else 1]
        patronymic = rng.choice(PATRONYMICS)[0 if male else 1]
        first = rng.choice(MALE_NAMES if male else FEMALE_NAMES)
        return FakePerson(iin, surname, first, patronymic, birth, sex)


def make_bin(registered: date, serial: int) -> str | None:
    """A valid BIN of a resident legal entity (type 4, head office) registered in that month, or
    None when the serial has no check digit."""
    first11 = f"{registered:%y%m}40{serial:05d}"
    digit = check_digit(first11)
    return None if digit is None else first11 + str(digit)


def entity_bins() -> list[tuple[str, str]]:
    """(BIN, name) of the fictitious organisations."""
    result: list[tuple[str, str]] = []
    serial = 10
    for i, name in enumerate(ENTITY_NAMES):
        bin_ = None
        while bin_ is None:
            serial += 1
            bin_ = make_bin(date(2005 + i, 3, 1), serial)
        result.append((bin_, name))
    return result
