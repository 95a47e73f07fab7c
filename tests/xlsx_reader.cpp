#include "xlsx_reader.h"

#include <cpl_minixml.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace gz::test {

namespace {
struct XmlFree {
  void operator()(CPLXMLNode* n) const { CPLDestroyXMLNode(n); }
};
using Xml = std::unique_ptr<CPLXMLNode, XmlFree>;

Xml parse(const std::string& path) {
  return Xml(CPLParseXMLFile(path.c_str()));
}

// Text of an <si> or <is> element: its <t>, or its rich-text runs' <t>s in order.
std::string string_item(const CPLXMLNode* si) {
  std::string out;
  for (const CPLXMLNode* c = si->psChild; c; c = c->psNext) {
    if (c->eType != CXT_Element) continue;
    if (std::string(c->pszValue) == "t") out += CPLGetXMLValue(c, nullptr, "");
    if (std::string(c->pszValue) == "r") out += CPLGetXMLValue(c, "t", "");
  }
  return out;
}
}  // namespace

std::string column_letters(int index) {
  std::string s;
  for (int n = index + 1; n > 0; n = (n - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
  return s;
}

XlsxSheet read_xlsx_sheet(const std::string& path) {
  XlsxSheet sheet;
  std::string zip = "/vsizip/" + path;
  std::vector<std::string> strings;
  if (Xml sst = parse(zip + "/xl/sharedStrings.xml")) {
    const CPLXMLNode* root = CPLGetXMLNode(sst.get(), "=sst");
    for (const CPLXMLNode* si = root ? root->psChild : nullptr; si; si = si->psNext)
      if (si->eType == CXT_Element && std::string(si->pszValue) == "si") strings.push_back(string_item(si));
  }
  Xml ws = parse(zip + "/xl/worksheets/sheet1.xml");
  if (!ws) {
    ADD_FAILURE() << "cannot read the first worksheet of " << path;
    return sheet;
  }
  const CPLXMLNode* root = CPLGetXMLNode(ws.get(), "=worksheet");
  const CPLXMLNode* data = root ? CPLGetXMLNode(root, "sheetData") : nullptr;
  for (const CPLXMLNode* row = data ? data->psChild : nullptr; row; row = row->psNext) {
    if (row->eType != CXT_Element || std::string(row->pszValue) != "row") continue;
    for (const CPLXMLNode* c = row->psChild; c; c = c->psNext) {
      if (c->eType != CXT_Element || std::string(c->pszValue) != "c") continue;
      std::string ref = CPLGetXMLValue(c, "r", ""), type = CPLGetXMLValue(c, "t", "");
      std::string v = CPLGetXMLValue(c, "v", "");
      if (type == "s") {
        std::size_t i = std::stoul(v);
        sheet.cells[ref] = i < strings.size() ? strings[i] : "";
      } else if (type == "inlineStr") {
        const CPLXMLNode* is = CPLGetXMLNode(c, "is");
        sheet.cells[ref] = is ? string_item(is) : "";
      } else if (!v.empty()) {
        sheet.cells[ref] = v;
      }
    }
  }
  const CPLXMLNode* merges = root ? CPLGetXMLNode(root, "mergeCells") : nullptr;
  for (const CPLXMLNode* m = merges ? merges->psChild : nullptr; m; m = m->psNext)
    if (m->eType == CXT_Element && std::string(m->pszValue) == "mergeCell")
      sheet.merged.insert(CPLGetXMLValue(m, "ref", ""));
  return sheet;
}

std::vector<std::string> read_xlsx_sheet_names(const std::string& path) {
  std::vector<std::string> names;
  Xml wb = parse("/vsizip/" + path + "/xl/workbook.xml");
  const CPLXMLNode* root = wb ? CPLGetXMLNode(wb.get(), "=workbook") : nullptr;
  const CPLXMLNode* sheets = root ? CPLGetXMLNode(root, "sheets") : nullptr;
  for (const CPLXMLNode* s = sheets ? sheets->psChild : nullptr; s; s = s->psNext)
    if (s->eType == CXT_Element && std::string(s->pszValue) == "sheet") names.push_back(CPLGetXMLValue(s, "name", ""));
  return names;
}

}  // namespace gz::test
