"""Data matching (数据比对): death lists and hospital admissions from other departments, matched
to beneficiaries by the blind index of the ID number, reviewed, and turned into life events and
recovery proposals. See docs/matching.md."""
