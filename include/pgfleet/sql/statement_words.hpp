#pragma once
// The words of a statement: what the classifier and lint read to recognise a statement by its
// keywords, without being fooled by quotes and comments.
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/sql/lexer.hpp"
#include "pgfleet/sql/splitter.hpp"

namespace pgfleet {

// How a qualified name (schema.table) appears among the words.
enum class QualifiedNames {
  every_part,  // SCHEMA, TABLE
  last_part,   // TABLE: names then compare across statements whatever their schema
};

// The words of `statement` outside strings and comments, in order: keywords and unquoted
// identifiers upper-cased, quoted identifiers as written with their quotes (so never equal to a
// keyword). Numbers, operators and parentheses are left out. Never throws.
std::vector<std::string> statement_words(std::string_view statement,
                                         QualifiedNames names = QualifiedNames::every_part,
                                         StandardStrings strings = StandardStrings::on);

// The words of a split statement, read the way the splitter read it.
std::vector<std::string> statement_words(const SqlStatement& statement,
                                         QualifiedNames names = QualifiedNames::every_part);

}  // namespace pgfleet
