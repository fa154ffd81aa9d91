"""Search that finds Chinese: the index text and query terms (``text``), the index field that
writes them (``fields``), and the search backend that reads them (``backend``).

Chinese is written without spaces, so both database backends (SQLite FTS5's unicode61 tokenizer,
PostgreSQL's text-search parser) take a whole sentence as one word and find nothing by a word
inside it. We write every CJK character and every pair of neighbouring characters into the index
as separate words, and ask for the pairs of the query: 「书面通知」 is 书面 & 面通 & 通知.
"""
