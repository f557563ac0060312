"""Weights for demo data only: where and when generated supporters are placed.

Prefecture populations are the 2020 census (令和2年国勢調査) rounded to thousands; within a
prefecture they are shared by municipality kind (a ward of a designated city weighs more than a
village). They shape demo distributions and are never reported as population figures.
"""

from organizations.models import AttendeeType

PREFECTURE_POPULATION_THOUSANDS = {
    "01": 5225, "02": 1238, "03": 1211, "04": 2302, "05": 960, "06": 1068, "07": 1833,
    "08": 2867, "09": 1933, "10": 1939, "11": 7345, "12": 6284, "13": 14048, "14": 9237,
    "15": 2201, "16": 1035, "17": 1133, "18": 767, "19": 810, "20": 2048, "21": 1979,
    "22": 3633, "23": 7542, "24": 1770, "25": 1414, "26": 2578, "27": 8838, "28": 5465,
    "29": 1324, "30": 923, "31": 553, "32": 671, "33": 1888, "34": 2800, "35": 1342,
    "36": 720, "37": 950, "38": 1335, "39": 692, "40": 5135, "41": 811, "42": 1312,
    "43": 1738, "44": 1124, "45": 1070, "46": 1588, "47": 1467,
}  # fmt: skip

# Relative size of a municipality by kind, within its prefecture.
KIND_WEIGHT = {"ward": 8.0, "special_ward": 10.0, "city": 4.0, "town": 1.0, "village": 0.3}

# Share of the year's supporters by fiscal month (April first): May is the 強化月間.
MONTH_WEIGHT = [6, 20, 9, 8, 6, 8, 9, 9, 6, 6, 7, 6]

# Share of generated learners by attendee type (a type left out here gets no demo learner).
ATTENDEE_WEIGHT = {
    AttendeeType.GENERAL: 55,
    AttendeeType.WORKPLACE: 15,
    AttendeeType.SCHOOL: 10,
    AttendeeType.GOVERNMENT: 8,
    AttendeeType.NPO: 5,
    AttendeeType.CHILD: 4,
    AttendeeType.OTHER: 3,
}

ORGANISER_WEIGHT = {"municipality": 45, "company": 20, "school": 15, "npo": 15, "other": 5}
