"""廉政约谈: the integrity-talk regulation, published and enforced, as a Wagtail add-on."""
