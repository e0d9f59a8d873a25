// PDF through libharu, for CUPS and office printers and for the A4 documents: vector text
// and vector barcodes (ZXing modules drawn as rectangles). Pure: bytes out, no I/O.
#pragma once

#include "labels/Document.h"

#include <memory>
#include <string>

namespace labels {

struct PdfResult {
    std::string pdf;    // empty on failure
    std::string error;  // why, when pdf is empty
};

// Text is set in the standard Helvetica (no font file is read or embedded, which keeps a
// 4x6 label to a few KB and well under a millisecond), switching between the Windows code
// pages 1252, 1250, 1257 and 1254 and ISO 8859-16 within a line, so French accents, the euro
// sign and Central European, Baltic, Turkish and Romanian names all print. A character in
// none of them prints as '?'. A label (one page, up to A6 or 4x6 in) is left uncompressed,
// which is faster; larger documents are deflated.
//
// One renderer holds one libharu document that it reuses from render to render: keep one per
// thread (it is not thread-safe) and reuse it, rather than making one per label.
class PdfRenderer {
  public:
    PdfRenderer();
    ~PdfRenderer();
    PdfRenderer(const PdfRenderer&) = delete;
    PdfRenderer& operator=(const PdfRenderer&) = delete;

    PdfResult render(const Document& document);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace labels
