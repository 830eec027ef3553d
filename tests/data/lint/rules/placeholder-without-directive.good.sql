-- A literal dollar and brace, written apart: ${ only in this comment.
COMMENT ON TABLE accounts IS 'prices in $ {currency}';
