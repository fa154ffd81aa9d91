"""Spreadsheets in: people, units, appointments and role assignments from XLSX or CSV, with
django-import-export's machinery (row diffs, dry runs, per-field errors) behind our own admin
views and command (lianzheng.services.spreadsheet_import, lianzheng.views.spreadsheet_import)."""
