"""What the demo's crime reports are about: fictitious incidents with a plausible Criminal Code
qualification (article, part, paragraph, offence category) and form of investigation."""

from __future__ import annotations

from dataclasses import dataclass

from tergeu.registry.models import RefusalGround, ReportSource, ReportStatus

S = ReportSource


@dataclass(frozen=True)
class Crime:
    summary: str
    article: str
    part: str
    category: str
    form: str  # protocol / inquiry / preliminary
    source: str
    paragraph: str = ""
    # after the first qualification, the investigation may requalify: (part, paragraph, category)
    requalified: tuple[str, str, str] | None = None

    def qualification(self) -> dict[str, str]:
        return {
            "article": self.article,
            "part": self.part,
            "paragraph": self.paragraph,
            "offence_category": self.category,
        }


POLICE: tuple[Crime, ...] = (
    Crime(
        "Из припаркованного автомобиля похищен мобильный телефон",
        "188",
        "1",
        "small",
        "inquiry",
        S.WRITTEN_STATEMENT,
    ),
    Crime(
        "Кража велосипеда из подъезда жилого дома",
        "188",
        "1",
        "small",
        "inquiry",
        S.ELECTRONIC_STATEMENT,
    ),
    Crime(
        "Квартирная кража: похищены ювелирные украшения и ноутбук",
        "188",
        "2",
        "medium",
        "preliminary",
        S.WRITTEN_STATEMENT,
        "3",
        ("3", "1", "grave"),
    ),
    Crime(
        "Под предлогом продажи автомобиля через интернет получена предоплата",
        "190",
        "2",
        "medium",
        "preliminary",
        S.ELECTRONIC_STATEMENT,
        "4",
    ),
    Crime(
        "Звонок от имени сотрудника банка: с карты списаны деньги",
        "190",
        "2",
        "medium",
        "preliminary",
        S.ORAL_STATEMENT,
        "4",
    ),
    Crime(
        "Открытое хищение сумки у пешехода",
        "191",
        "1",
        "medium",
        "inquiry",
        S.ORAL_STATEMENT,
        "",
        ("2", "3", "grave"),
    ),
    Crime(
        "Разбойное нападение на продавца круглосуточного магазина",
        "192",
        "2",
        "grave",
        "preliminary",
        S.OFFICIAL_REPORT,
        "2",
    ),
    Crime(
        "Хулиганство у торгового центра, повреждена витрина",
        "293",
        "1",
        "misdemeanour",
        "protocol",
        S.OFFICIAL_REPORT,
    ),
    Crime(
        "Неправомерное завладение автомобилем без цели хищения",
        "200",
        "1",
        "medium",
        "inquiry",
        S.WRITTEN_STATEMENT,
    ),
    Crime(
        "Хранение наркотического средства без цели сбыта, выявлено при проверке",
        "296",
        "1",
        "small",
        "inquiry",
        S.OFFICIAL_REPORT,
    ),
    Crime(
        "ДТП на перекрёстке: пешеходу причинён тяжкий вред здоровью",
        "345",
        "1",
        "medium",
        "preliminary",
        S.OFFICIAL_REPORT,
    ),
    Crime(
        "Умышленное причинение тяжкого вреда здоровью в ходе ссоры",
        "106",
        "1",
        "grave",
        "preliminary",
        S.SURRENDER,
    ),
    Crime(
        "Повреждение чужого автомобиля, значительный ущерб",
        "202",
        "1",
        "small",
        "inquiry",
        S.WRITTEN_STATEMENT,
    ),
    Crime(
        "Сообщение в СМИ об избиении подростка во дворе школы",
        "293",
        "2",
        "medium",
        "preliminary",
        S.MEDIA,
    ),
)
ANTI_CORRUPTION: tuple[Crime, ...] = (
    Crime(
        "Получение взятки должностным лицом акимата за выдачу разрешения",
        "366",
        "2",
        "grave",
        "preliminary",
        S.OFFICIAL_REPORT,
    ),
    Crime(
        "Дача взятки сотруднику государственного органа",
        "367",
        "1",
        "medium",
        "preliminary",
        S.SURRENDER,
    ),
    Crime(
        "Присвоение бюджетных средств, выделенных на ремонт школы",
        "189",
        "3",
        "grave",
        "preliminary",
        S.MEDIA,
        "2",
    ),
    Crime(
        "Злоупотребление должностными полномочиями при государственных закупках",
        "361",
        "1",
        "medium",
        "preliminary",
        S.WRITTEN_STATEMENT,
    ),
)
ECONOMIC: tuple[Crime, ...] = (
    Crime(
        "Уклонение ТОО от уплаты налогов в крупном размере",
        "245",
        "1",
        "medium",
        "preliminary",
        S.OFFICIAL_REPORT,
    ),
    Crime(
        "Выписка счетов-фактур без фактического выполнения работ",
        "216",
        "2",
        "grave",
        "preliminary",
        S.OFFICIAL_REPORT,
        "1",
    ),
    Crime(
        "Финансовая пирамида: привлечение денег вкладчиков под высокий доход",
        "217",
        "2",
        "grave",
        "preliminary",
        S.MEDIA,
    ),
    Crime(
        "Лжепредпринимательство: ТОО создано для прикрытия незаконной деятельности",
        "215",
        "1",
        "small",
        "preliminary",
        S.WRITTEN_STATEMENT,
    ),
)

STREETS_ALMATY = ("пр. Абая", "ул. Толе би", "ул. Жибек жолы", "пр. Достык", "ул. Сатпаева")
STREETS_ASTANA = ("пр. Мангилик Ел", "ул. Кенесары", "пр. Кабанбай батыра", "ул. Сыганак")


@dataclass(frozen=True)
class Undecided:
    """A report that leaves the КУИ without a case: forwarded, refused or transferred."""

    summary: str
    source: str
    decision: str  # a ReportStatus value
    addressee: str = ""
    ground: str = ""
    reasons: str = ""
    to_unit: str = ""  # authority code, for a transfer
    late: bool = False  # decided after the 3-day term, so the demo shows a breached deadline


NOT_REGISTERED: tuple[Undecided, ...] = (
    Undecided(
        "Шум в ночное время из соседней квартиры",
        S.ORAL_STATEMENT,
        ReportStatus.FORWARDED_ADMINISTRATIVE,
        addressee="Местная полицейская служба УП Алмалинского района",
        reasons="Признаки административного правонарушения.",
    ),
    Undecided(
        "Сотрудник государственного учреждения систематически опаздывает и грубит посетителям",
        S.WRITTEN_STATEMENT,
        ReportStatus.FORWARDED_ADMINISTRATIVE,
        addressee="Руководитель государственного учреждения",
        reasons="Признаки дисциплинарного проступка.",
        late=True,
    ),
    Undecided(
        "Повреждено зеркало автомобиля на парковке, ущерб незначительный",
        S.ELECTRONIC_STATEMENT,
        ReportStatus.FORWARDED_ADMINISTRATIVE,
        addressee="Местная полицейская служба УП Алмалинского района",
        reasons="Ущерб не является значительным; признаки административного правонарушения.",
    ),
    Undecided(
        "Возможное сокрытие доходов ТОО, сведения требуют проверки",
        S.WRITTEN_STATEMENT,
        ReportStatus.FORWARDED_AUDIT,
        addressee="Департамент государственных доходов по г. Алматы",
        reasons="Для установления признаков необходима налоговая проверка.",
    ),
    Undecided(
        "Невозврат долга по письменной расписке",
        S.WRITTEN_STATEMENT,
        ReportStatus.REFUSED,
        ground=RefusalGround.CIVIL_DISPUTE,
        reasons="Спор вытекает из письменной гражданско-правовой сделки, не признанной судом недействительной.",
    ),
    Undecided(
        "Хищение на предприятии, акт ревизии не представлен",
        S.WRITTEN_STATEMENT,
        ReportStatus.REFUSED,
        ground=RefusalGround.NO_AUDIT_CONFIRMATION,
        reasons="Ущерб не подтверждён актом ревизии, а он является обязательным признаком.",
    ),
    Undecided(
        "Кража кошелька в торговом центре г. Астаны, заявитель проживает в Алматы",
        S.WRITTEN_STATEMENT,
        ReportStatus.TRANSFERRED,
        to_unit="7111",
        reasons="Место совершения — г. Астана.",
    ),
)

NOTES = (
    "Прокурору направлено уведомление о начале досудебного расследования.",
    "Истребованы записи камер видеонаблюдения.",
    "Назначена судебно-медицинская экспертиза.",
    "Направлен запрос в банк второго уровня о движении денег по счёту.",
    "Допрошен заявитель, протокол приобщён к делу.",
    "Проведён осмотр места происшествия, изъяты следы рук.",
    "Направлено поручение о производстве отдельных следственных действий.",
)
TRANSFER_REASONS = {
    "7531": "Установлены признаки коррупционного уголовного правонарушения (ст. 187).",
    "7111": "Уголовное правонарушение совершено на территории г. Астаны (ст. 186).",
    "7511": "Место совершения — Алмалинский район г. Алматы (ст. 186).",
}
