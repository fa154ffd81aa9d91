"""Wagtail's Elasticsearch backend with a Chinese analyzer, for a deployment that outgrows one
database server (README, search). Not used by default: the database backend needs no server.

In production settings::

    from .search_elasticsearch import elasticsearch_backend

    WAGTAILSEARCH_BACKENDS = {"default": elasticsearch_backend(os.environ["ELASTICSEARCH_URL"])}
    LIANZHENG_SEARCH_BIGRAMS = False  # the analyzer cuts the words; fields write plain text

then ``pip install "elasticsearch>=8,<9"``, the ``analysis-smartcn`` plugin on every node
(``bin/elasticsearch-plugin install analysis-smartcn``; IK: ``"type": "ik_max_word"``), and
``manage.py update_index``. OpenSearch: ``wagtail.search.backends.opensearch2`` the same way.
"""


def elasticsearch_backend(url: str, *, analyzer: str = "smartcn", index: str = "lianzheng") -> dict:
    return {
        "BACKEND": "wagtail.search.backends.elasticsearch8",
        "URLS": [url],
        "INDEX_PREFIX": f"{index}_",
        "TIMEOUT": 5,
        "INDEX_SETTINGS": {"settings": {"analysis": {"analyzer": {"default": {"type": analyzer}}}}},
    }
