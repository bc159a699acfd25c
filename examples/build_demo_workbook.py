"""Build examples/ugyfelek.xlsx: a fictional client workbook as staff keep it.

Every stage and every finding code is represented, with the messy values of
rules.md (Hungarian dates, serial numbers, checkboxes, URLs as domains, ragged
and blank rows, a title row above the headers, an unmapped phone column, a
second sheet). All names, addresses and passwords are invented.

Run: .venv/bin/python examples/build_demo_workbook.py [OUTPUT]
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

HEADERS = [
    "Ügyfél neve ",  # trailing space, as typed
    "Kapcsolattartó",
    "Telefon",  # not mapped: sheetsync leaves it alone
    "e-mail típusa",
    "E-mail  cím:",
    "E-mail jelszó",
    "Tarhely.eu felhasznalo",
    "Tárhely.eu jelszó",
    "Kezelő fiók",
    "Csomag",
    "Domain",
    "Fizetési mód",
    "Számla elküldve",
    "Fizetve",
    "Rendelés élő",
    "Domain igénylés",
    "Megjegyzés",
]

# client, contact, phone, type, e-mail, e-mail pw, login, hosting pw, managing, package,
# domain, method, invoice sent, paid, live, application, notes
ROWS: list[list[object]] = [
    ["Kovács Pékség Kft.", "Kovács Péter", 36301234567, "saját", "info@kovacspekseg.hu", None,
     "info@kovacspekseg.hu", "Kifli#2026", "igen", "Start", "kovacspekseg.hu", "bankkártya",
     None, "2026. 11. 10.", None, "Sikeres", "kész, fejlesztés megy"],
    ["Szabó és Társa Bt.", "Szabó Éva", "+36 20 555 1234", "létrehozott",
     "szaboestarsa.marketing@gmail.com", "Sz4bo!mail", "szaboestarsa.marketing@gmail.com",
     "Sz4bo!tarhely", "x", "start csomag", "szaboestarsa.hu", "utalás", "2026.11.01",
     "2026.11.03 14:30", "igen", "sikeres", None],
    ["Nagy Anna e.v.", "Nagy Anna", "06 70 111 2222", None, None, None, None, None, None, None,
     None, None, None, None, None, None, "még nincs e-mail címe"],
    ["Tóth Virágbolt", "Tóth Gábor", None, "saját", "toth.viragbolt@gmail", None, None, None,
     None, None, None, None, None, None, None, None, "elgépelt cím"],
    ["Kiss Autószerviz Kft.", "Kiss László", None, "létrehozott", "kissauto.marketing@gmail.com",
     None, None, None, None, None, None, None, None, None, None, None, None],
    ["Horváth Ügyvédi Iroda", "dr. Horváth Zsolt", None, "létrehozott",
     "horvath.ugyved@gmail.com", "Parag#raf1", None, None, None, None, None, None, None, None,
     None, None, None],
    ["Varga Fogászat", "Varga Júlia", None, None, "rendelo@vargafogaszat.hu", None,
     "rendelo@vargafogaszat.hu", None, None, None, None, None, None, None, None, None, None],
    ["Molnár Asztalosműhely", "Molnár Imre", None, "own", "molnar.asztalos@freemail.hu", None,
     None, "Gyalu-77", None, None, None, None, None, None, None, None, None],
    ["Farkas Könyvelés Kft.", "Farkas Ildikó", None, "saját", "iroda@farkaskonyveles.hu", None,
     "iroda@farkaskonyveles.hu", "Mérleg2026", "nem", None, None, None, None, None, None,
     None, None],
    ["Balogh Fitness", "Balogh Ádám", None, None, "hello@baloghfitness.hu", None,
     "hello@baloghfitness.hu", "Sulyzo!9", "✓", None, None, None, None, None, None, None,
     "domaint még keres"],
    ["Papp Cukrászda", "Papp Rita", None, "saját", "rendeles@pappcukraszda.hu", None,
     "rendeles@pappcukraszda.hu", "Tort@2026", "penzugy@sparrow.hu", "Start csomag",
     "papp-cukraszda.hu", None, None, None, None, None, "ezt a domaint szeretné"],
    ["Lakatos Építőipari Zrt.", "Lakatos Béla", None, "saját", "titkarsag@lakatosepito.hu",
     None, "titkarsag@lakatosepito.hu", "Betonkeverő1", "info@lakatosepito.hu", "Prémium",
     "lakatosepito.hu", None, None, None, None, None, None],
    ["Takács Szépségszalon", "Takács Nóra", None, "saját", "szalon@takacsszepseg.hu", None,
     "szalon@takacsszepseg.hu", "Rúzs-2026", True, "START", "https://www.Takács-Szépség.hu/",
     "kártya", None, None, None, None, None],
    ["Juhász Kertészet", "Juhász Ferenc", None, "saját", "kert@juhaszkerteszet.hu", None,
     "kert@juhaszkerteszet.hu", "Metsző0llo", "igen", "Start", "juhaszkerteszet.hu",
     "utalás", "2026. 11. 10.", None, None, None, "számla kiment"],
    ["Mészáros Villanyszerelés", "Mészáros Tibor", None, "saját", "info@meszarosvillany.hu",
     None, "info@meszarosvillany.hu", "Volt@230", "igen", "Start", "meszarosvillany.hu",
     "átutalás", "11/20/2026", "2026-11-21T09:15", "nem", None, None],
    ["Oláh Zöldséges", "Oláh Margit", None, "létrehozott", "olahzoldseges.marketing@gmail.com",
     "Répa!2026", "olahzoldseges.marketing@gmail.com", "Répa!tarhely", "igen", "Start",
     "olahzoldseges.hu", "utalás", datetime(2026, 11, 24, 16, 0), None, None, None, None],
    ["Simon Fotóstúdió", "Simon Dóra", None, "saját", "studio@simonfoto.hu", None,
     "studio@simonfoto.hu", "Vaku#100", "igen", "Start", "simonfoto.hu", None, None, "igen",
     None, None, "fizetési mód nincs beírva"],
    ["Rácz Pizzéria", "Rácz Zoltán", None, "saját", "pizza@raczpizzeria.hu", None,
     "pizza@raczpizzeria.hu", "Mozzarella7", None, "Start", "raczpizzeria.hu", "bankkártya",
     None, "2026. 11. 20.", None, None, None],
    ["Fekete Ékszer", "Fekete Lili", None, "saját", "bolt@feketeekszer.hu", None,
     "bolt@feketeekszer.hu", "Gyemánt*1", "igen", "Start", "feketeekszer.hu", "card", None,
     None, None, "beküldve", None],
    ["Szilágyi Pincészet", "Szilágyi Ottó", None, "saját", "bor@szilagyipinceszet.hu", None,
     "bor@szilagyipinceszet.hu", "Furmint-17", "igen", "Start", "szilagyipinceszet.hu",
     "bankkártya", None, date(2026, 11, 22), None, None, None],
    ["Török Kávézó", "Török Ákos", None, "saját", "kave@torokkavezo.hu", None,
     "kave@torokkavezo.hu", "Espresso!2", "igen", "Start", "torokkavezo.hu", "bankkártya",
     None, "2026.11.23", None, "Beküldve", None],
    ["Fehér Nyomda", "Fehér Kornél", None, "saját", "nyomda@fehernyomda.hu", None,
     "nyomda@fehernyomda.hu", "Offszet#4", "igen", "Start", "fehernyomda.hu", "bankkártya",
     None, "2026.11.12", None, "Sikertelen", "adatok hibásak voltak"],
    ["Balázs Virágkötészet", "Balázs Hanna", None, "saját", "info@balazsvirag.hu", None,
     "info@balazsvirag.hu", "Tulipán22", "igen", "Start", "balazsvirag.hu", "bankkártya",
     None, "2026.11.02", None, "Sikeres", None],
    ["Gál Optika", "Gál Bence", None, "saját", "latas@galoptika.hu", None, "latas@galoptika.hu",
     "Dioptria-3", "igen", "Start", "gal optika.hu", None, None, None, None, None, None],
    [None],  # a blank row between clients, as staff leave them
    ["kovács  pékség kft.", "Kovács Péter", None, None, None, None, None, None, None, None,
     None, None, None, None, None, None, "véletlenül kétszer felvéve"],
    ["Pintér Reklám", "Pintér Gergő", None, "saját", "iroda@pinterreklam.hu", None,
     "iroda@pinterreklam.hu", "Plakát#5", "igen", "Start", "szilagyipinceszet.hu",
     "bankkártya", None, None, None, None, "rossz domain bemásolva?"],
    [None, "Ismeretlen", None, "saját", "valaki@example.hu", None, None, None, None, None,
     "valakiujdomainje.hu", None, None, None, None, None, "név nélkül rögzítve"],
    ["Katona Motor Kft.", "Katona Ernő", None, "saját", "szerviz@katonamotor.hu", None,
     "szerviz@katonamotor.hu", "Dugattyú9", "igen", "Start", "katonamotor.hu", "csekk", None,
     "tegnap", None, None, None],
    ["Bíró Masszázs", "Bíró Enikő", None, "valami", "info@biromasszazs.hu", None, None, None,
     None, None, None, None, None, None, None, None, None],
    ["Sipos Tetőfedés", "Sipos Gyula", None, "saját", "teto@sipostetofedes.hu", None,
     "teto@sipostetofedes.hu", "Cserép!88", "igen", "Start", "sipostetofedes.hu", "utalás",
     46340, True, "2026.11.16 10:00", "Sikeres", "számla dátuma sorszámként"],
    ["Lukács Jógastúdió", "Lukács Vera", None, "saját", "namaste@lukacsjoga.hu", None,
     "namaste@lukacsjoga.hu", "Lótusz#11", "igen", "Start", "lukacsjoga.hu", "bankkártya",
     None, "✓", None, None, "fejlesztés indulhat"],
    ["Dudás Hangszerbolt", "Dudás Márk", None, None, "mailto:Bolt@DudasHangszer.HU", None,
     "bolt@dudashangszer.hu", "Hegedű-4", "IGEN", "start", "DudasHangszer.hu", "Bankkártya",
     None, "2026. november 5.", None, "Sikeres", None],
    ["Hegedűs Cipészet", "Hegedűs Tamás", None, "létrehozott",
     "hegeduscipeszet.marketing@gmail.com", "Talp!2026", "hegeduscipeszet.marketing@gmail.com",
     "Sarok!2026", "igen", "Start", "hegeduscipeszet.hu", "átutalás", "2026. november 20.",
     None, None, None, None],
    ["Vincze Tanoda", "Vincze Kata", "06301234567", "saját", "tanoda@vinczetanoda.hu", None,
     "tanoda@vinczetanoda.hu", "Kréta#2026", "FALSE", None, None, None, None, None, None, None,
     None],
    ["Bognár Kutyakozmetika", "Bognár Réka", None, "saját", "info@bognarkutya.hu", None,
     "info@bognarkutya.hu", "Fésű!2026", "igen", "Start", "bognarkutya.hu", "utalás", None,
     None, None, None, "számlát még küldeni kell"],
]  # fmt: skip

TITLE = "Sparrow Exerceo – ügyféladatok (BIZALMAS: jelszavakat tartalmaz)"


def build(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ügyfelek"
    sheet.append([TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFE699")
    for row in ROWS:
        sheet.append(row)
    sheet.append([])  # trailing blank rows are common
    sheet.freeze_panes = "B3"
    sheet["Q3"].comment = Comment("Staff comment: must survive every sync.", "Sparrow")
    sheet.column_dimensions["A"].width = 28
    notes = book.create_sheet("Jegyzetek")
    notes.append(["Belső jegyzetek – sheetsync ezt a lapot nem írja."])
    notes.append(["Ügyfelek száma", "=COUNTA(Ügyfelek!A3:A200)"])
    book.save(path)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("ugyfelek.xlsx")
    build(target)
    print(f"wrote {target}")
