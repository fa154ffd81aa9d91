"""Reads, one concern a module: the facts the rules judge and the calendar (``facts``,
``calendar``), case listing and search (``cases``), the dashboard's worklists (``worklists``), a
case's timeline (``timeline``) and the field-level changes it and the audit views show
(``changes``), the audit trail (``audit``), people and their integrity files (``people``), the
public figures (``public``), reminders (``reminders``) and what documents say (``documents``).
Nothing here writes."""
