"""The workflow of a talk case: its steps, each declared once (``steps``), what a step is and
what one taking of it carries (``step``), and the forms of their inputs (``forms``)."""
