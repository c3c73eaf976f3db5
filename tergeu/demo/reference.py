"""Reference data for the demo and the benchmarks: Kazakhstan's regions, the agencies of two
cities (Almaty and Astana) under the General Prosecutor's Office, and the demo officials.

Every row is created only when missing (by region code, authority code, username), so loading
twice changes nothing and never overwrites what an administrator edited in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from tergeu.accounts.models import Agency, AgencyKind, Appointment, Official, Region, Role
from tergeu.persons.iin import make_iin

# Regions and cities of republican significance with the first two digits of their KATO code
# (the national classifier of administrative-territorial objects); the code is the region part of
# the unified-register number. These are reference data: the administrator edits them in the
# admin, and this table only seeds an empty database.
# (code, Kazakh, Russian, English)
REGIONS: tuple[tuple[str, str, str, str], ...] = (
    ("10", "Абай облысы", "область Абай", "Abai Region"),
    ("11", "Ақмола облысы", "Акмолинская область", "Akmola Region"),
    ("15", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
    ("19", "Алматы облысы", "Алматинская область", "Almaty Region"),
    ("23", "Атырау облысы", "Атырауская область", "Atyrau Region"),
    ("27", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region"),
    ("31", "Жамбыл облысы", "Жамбылская область", "Zhambyl Region"),
    ("33", "Жетісу облысы", "область Жетісу", "Zhetisu Region"),
    ("35", "Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
    ("39", "Қостанай облысы", "Костанайская область", "Kostanay Region"),
    ("43", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
    ("47", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
    ("55", "Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
    ("59", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "North Kazakhstan Region"),
    ("61", "Түркістан облысы", "Туркестанская область", "Turkestan Region"),
    ("62", "Ұлытау облысы", "область Ұлытау", "Ulytau Region"),
    ("63", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region"),
    ("71", "Астана қаласы", "город Астана", "Astana city"),
    ("75", "Алматы қаласы", "город Алматы", "Almaty city"),
    ("79", "Шымкент қаласы", "город Шымкент", "Shymkent city"),
)


@dataclass(frozen=True)
class AgencySeed:
    code: str
    kind: AgencyKind
    name: str
    region: str | None
    parent: str | None = None  # the office above, in the prosecutor hierarchy
    supervisor: str | None = None  # for investigating bodies: their district prosecutor's office


K = AgencyKind
GPO = "0001"

# Authority codes: two digits of the region, then the body. Parents come before their children.
AGENCIES: tuple[AgencySeed, ...] = (
    AgencySeed(GPO, K.PROSECUTOR_GENERAL, "Генеральная прокуратура Республики Казахстан", None),
    # Almaty (city of republican significance, code 75)
    AgencySeed("7500", K.PROSECUTOR_OBLAST, "Прокуратура города Алматы", "75", GPO),
    AgencySeed(
        "7501", K.PROSECUTOR_DISTRICT, "Прокуратура Алмалинского района г. Алматы", "75", "7500"
    ),
    AgencySeed(
        "7502", K.PROSECUTOR_DISTRICT, "Прокуратура Бостандыкского района г. Алматы", "75", "7500"
    ),
    AgencySeed(
        "7503", K.PROSECUTOR_DISTRICT, "Прокуратура Медеуского района г. Алматы", "75", "7500"
    ),
    AgencySeed(
        "7511",
        K.POLICE,
        "Управление полиции Алмалинского района ДП г. Алматы",
        "75",
        supervisor="7501",
    ),
    AgencySeed(
        "7512",
        K.POLICE,
        "Управление полиции Бостандыкского района ДП г. Алматы",
        "75",
        supervisor="7502",
    ),
    AgencySeed(
        "7513", K.POLICE, "Отдел полиции Медеуского района ДП г. Алматы", "75", supervisor="7503"
    ),
    AgencySeed(
        "7531",
        K.ANTI_CORRUPTION,
        "Департамент Агентства по противодействию коррупции по г. Алматы",
        "75",
        supervisor="7501",
    ),
    AgencySeed(
        "7541",
        K.ECONOMIC_INVESTIGATIONS,
        "Департамент экономических расследований по г. Алматы",
        "75",
        supervisor="7501",
    ),
    AgencySeed(
        "7561", K.INVESTIGATING_COURT, "Специализированный следственный суд г. Алматы", "75"
    ),
    AgencySeed("7571", K.DISTRICT_COURT, "Алмалинский районный суд г. Алматы", "75"),
    AgencySeed("7580", K.OBLAST_COURT, "Алматинский городской суд", "75"),
    AgencySeed("7591", K.PENITENTIARY, "Следственный изолятор ДУИС по г. Алматы", "75"),
    AgencySeed("7595", K.PROBATION, "Служба пробации Алмалинского района г. Алматы", "75"),
    AgencySeed("7596", K.BAILIFF, "Департамент по исполнению судебных актов г. Алматы", "75"),
    AgencySeed(
        "7598",
        K.LEGAL_CONSULTATION,
        "Юридическая консультация № 1 Алматинской городской коллегии адвокатов",
        "75",
    ),
    # Astana (city of republican significance, code 71)
    AgencySeed("7100", K.PROSECUTOR_OBLAST, "Прокуратура города Астаны", "71", GPO),
    AgencySeed(
        "7101", K.PROSECUTOR_DISTRICT, "Прокуратура Есильского района г. Астаны", "71", "7100"
    ),
    AgencySeed(
        "7102", K.PROSECUTOR_DISTRICT, "Прокуратура района Сарыарка г. Астаны", "71", "7100"
    ),
    AgencySeed(
        "7111",
        K.POLICE,
        "Управление полиции Есильского района ДП г. Астаны",
        "71",
        supervisor="7101",
    ),
    AgencySeed(
        "7112", K.POLICE, "Управление полиции района Сарыарка ДП г. Астаны", "71", supervisor="7102"
    ),
    AgencySeed(
        "7131",
        K.ANTI_CORRUPTION,
        "Департамент Агентства по противодействию коррупции по г. Астане",
        "71",
        supervisor="7101",
    ),
    AgencySeed(
        "7141",
        K.ECONOMIC_INVESTIGATIONS,
        "Департамент экономических расследований по г. Астане",
        "71",
        supervisor="7101",
    ),
    AgencySeed(
        "7161", K.INVESTIGATING_COURT, "Специализированный следственный суд г. Астаны", "71"
    ),
    AgencySeed("7171", K.DISTRICT_COURT, "Есильский районный суд г. Астаны", "71"),
    AgencySeed("7180", K.OBLAST_COURT, "Суд города Астаны", "71"),
    AgencySeed(
        "7191", K.PENITENTIARY, "Учреждение уголовно-исполнительной системы ДУИС по г. Астане", "71"
    ),
    AgencySeed("7195", K.PROBATION, "Служба пробации Есильского района г. Астаны", "71"),
    AgencySeed(
        "7198",
        K.LEGAL_CONSULTATION,
        "Юридическая консультация № 3 Коллегии адвокатов г. Астаны",
        "71",
    ),
)


@dataclass(frozen=True)
class OfficialSeed:
    username: str
    role: Role
    agency: str
    last_name: str
    first_name: str
    patronymic: str


# The names are fictitious (surnames built on "demo", "test", "example": Демоұлы, Тестова,
# Сынақов, Мысалова, Үлгіев, Вымыслов, ...); any likeness to a real person is accidental.
# The first block is one official per role (the logins to try); the rest staff the other bodies
# so that the demo cases are spread over several units, prosecutors' offices and both cities.
OFFICIALS: tuple[OfficialSeed, ...] = (
    OfficialSeed("registrar", Role.REGISTRAR, "7511", "Демоұлы", "Ерлан", "Маратович"),
    OfficialSeed("investigator", Role.INVESTIGATOR, "7511", "Тестова", "Айгерім", "Серікқызы"),
    OfficialSeed("inquiry_officer", Role.INQUIRY_OFFICER, "7511", "Сынақов", "Данияр", "Асқарұлы"),
    OfficialSeed("investigation_head", Role.INVESTIGATION_HEAD, "7511", "Мысалова", "Динара", "Ерлановна"),
    OfficialSeed("inquiry_head", Role.INQUIRY_HEAD, "7511", "Үлгіев", "Нурлан", "Болатович"),
    OfficialSeed("prosecutor", Role.PROSECUTOR, "7501", "Вымыслова", "Асель", "Каиргельдиновна"),
    OfficialSeed("investigating_judge", Role.INVESTIGATING_JUDGE, "7561", "Примеров", "Арман", "Талгатович"),
    OfficialSeed("trial_judge", Role.TRIAL_JUDGE, "7571", "Образцова", "Гульнара", "Сабитовна"),
    OfficialSeed("defence_lawyer", Role.DEFENCE_LAWYER, "7598", "Макетов", "Сергей", "Иванович"),
    OfficialSeed("penitentiary_officer", Role.PENITENTIARY_OFFICER, "7591", "Демоқызы", "Мадина", "Ахметовна"),
    OfficialSeed("probation_officer", Role.PROBATION_OFFICER, "7595", "Тестов", "Бауыржан", "Ержанович"),
    OfficialSeed("bailiff", Role.BAILIFF, "7596", "Үлгіқызы", "Камила", "Даулетовна"),
    OfficialSeed("analyst", Role.ANALYST, GPO, "Сынақова", "Жанна", "Муратовна"),
    OfficialSeed("administrator", Role.ADMINISTRATOR, GPO, "Мысалов", "Азамат", "Кайратович"),
    OfficialSeed("auditor", Role.AUDITOR, GPO, "Тексерова", "Сәуле", "Бекқызы"),
    # staff of the other bodies
    OfficialSeed("almaty_prosecutor", Role.PROSECUTOR, "7500", "Үлгіева", "Ольга", "Петровна"),
    OfficialSeed("bostandyk_prosecutor", Role.PROSECUTOR, "7502", "Вымыслов", "Тимур", "Аскарович"),
    OfficialSeed("bostandyk_investigator", Role.INVESTIGATOR, "7512", "Примерова", "Елена", "Викторовна"),
    OfficialSeed("bostandyk_head", Role.INVESTIGATION_HEAD, "7512", "Образцов", "Канат", "Ерболович"),
    OfficialSeed("ak_investigator", Role.INVESTIGATOR, "7531", "Макетова", "Алия", "Нурлановна"),
    OfficialSeed("ak_head", Role.INVESTIGATION_HEAD, "7531", "Демоұлы", "Ринат", "Сакенович"),
    OfficialSeed("er_investigator", Role.INVESTIGATOR, "7541", "Тестова", "Камила", "Дауреновна"),
    OfficialSeed("er_head", Role.INVESTIGATION_HEAD, "7541", "Сынақов", "Марат", "Бекович"),
    OfficialSeed("astana_prosecutor", Role.PROSECUTOR, "7101", "Мысалова", "Сауле", "Амангельдиновна"),
    OfficialSeed("astana_registrar", Role.REGISTRAR, "7111", "Үлгіев", "Ержан", "Муратович"),
    OfficialSeed("astana_investigator", Role.INVESTIGATOR, "7111", "Вымыслова", "Индира", "Маратовна"),
    OfficialSeed("astana_head", Role.INVESTIGATION_HEAD, "7111", "Примеров", "Дмитрий", "Олегович"),
)  # fmt: skip

ADMIN_USERNAME = "admin"
# Dev/demo only (the commands refuse to run outside TERGEU_DEV): one password for every demo login.
DEMO_PASSWORD = "tergeu-demo"  # noqa: S105


@dataclass(frozen=True)
class Reference:
    """The loaded reference rows, by authority code and by username."""

    agencies: dict[str, Agency]
    officials: dict[str, Official]


def regions_load() -> dict[str, Region]:
    regions = {r.code: r for r in Region.objects.all()}
    for code, kk, ru, en in REGIONS:
        if code not in regions:
            regions[code] = Region.objects.create(code=code, name_kk=kk, name_ru=ru, name_en=en)
    return regions


def agencies_load(regions: dict[str, Region]) -> dict[str, Agency]:
    agencies = {a.authority_code: a for a in Agency.objects.all()}
    for seed in AGENCIES:
        if seed.code in agencies:
            continue
        agencies[seed.code] = Agency.objects.create(
            name=seed.name,
            kind=seed.kind,
            region=regions[seed.region] if seed.region else None,
            authority_code=seed.code,
            parent=agencies[seed.parent] if seed.parent else None,
            supervisor=agencies[seed.supervisor] if seed.supervisor else None,
        )
    return agencies


def official_iin(seed: OfficialSeed) -> str:
    """The demo official's IIN (fictitious, valid by the national algorithm): a birth date in
    1970–1994 and a serial from 9000 (the demo's persons use lower ones), both from the seed's
    place in OFFICIALS; the sex from the patronymic."""
    index = OFFICIALS.index(seed)
    birth = date(1970 + index % 25, 1 + index % 12, 1 + index % 28)
    sex = "F" if seed.patronymic.endswith(("вна", "қызы")) else "M"
    serial = 9000 + index
    while (iin := make_iin(birth, sex, serial)) is None:
        serial += 100
    return iin


def officials_identify(officials: dict[str, Official]) -> list[Official]:
    """Give the demo officials who have none their IIN (a database loaded before officials had
    IINs); returns the demo officials."""
    demo = []
    for seed in OFFICIALS:
        official = officials.get(seed.username)
        if official is not None and not official.iin:
            official.iin = official_iin(seed)
            official.save(update_fields=["iin"])
        if official is not None:
            demo.append(official)
    return demo


def officials_load(agencies: dict[str, Agency]) -> dict[str, Official]:
    usernames = [s.username for s in OFFICIALS] + [ADMIN_USERNAME]
    officials = {o.username: o for o in Official.objects.filter(username__in=usernames)}
    missing = [s for s in OFFICIALS if s.username not in officials]
    if not missing and ADMIN_USERNAME in officials:
        return officials
    # Hashing is slow on purpose (Argon2); every demo login shares the one password, so hash once.
    password = make_password(DEMO_PASSWORD)
    for seed in missing:
        official = Official.objects.create(
            username=seed.username,
            password=password,
            last_name=seed.last_name,
            first_name=seed.first_name,
            patronymic=seed.patronymic,
            iin=official_iin(seed),
        )
        Appointment.objects.create(official=official, agency=agencies[seed.agency], role=seed.role)
        officials[seed.username] = official
    if ADMIN_USERNAME not in officials:
        officials[ADMIN_USERNAME] = Official.objects.create(
            username=ADMIN_USERNAME,
            password=password,
            first_name="Admin",
            is_staff=True,
            is_superuser=True,
        )
    return officials


def reference_load() -> Reference:
    """Create whatever of the reference data is missing; return all of it."""
    with transaction.atomic():
        agencies = agencies_load(regions_load())
        return Reference(agencies=agencies, officials=officials_load(agencies))


def logins_table() -> list[tuple[str, str, str, str]]:
    """(username, password, role, agency) of every demo login present in the database."""
    rows: list[tuple[str, str, str, str]] = []
    by_username = {s.username: s for s in OFFICIALS}
    present = Official.objects.filter(username__in=[*by_username, ADMIN_USERNAME])
    agency_names = dict(Agency.objects.values_list("authority_code", "name"))
    for official in present:
        seed = by_username.get(official.username)
        if seed is None:
            rows.append((official.username, DEMO_PASSWORD, "superuser (admin site)", "—"))
        else:
            role = str(Role(seed.role).label)
            rows.append((seed.username, DEMO_PASSWORD, role, agency_names.get(seed.agency, "")))
    order = {name: i for i, name in enumerate([*by_username, ADMIN_USERNAME])}
    return sorted(rows, key=lambda row: order[row[0]])
