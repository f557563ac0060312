"""QR codes for the verification URL printed on certificates and supporter cards.

The modules come from zxing-cpp (its writer is the zint library, compiled): error correction
level M, segments in the cheapest modes and the mask pattern chosen by the ISO/IEC 18004
penalty rules over all eight masks. reportlab's pure-Python ``qrencoder`` made the same kind
of code but spent about half of a certificate's render time scoring the masks.
"""

import zxingcpp


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of modules, top row first, ``True`` for dark.

    No quiet zone: the page around the code is left blank instead.
    """
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = barcode.to_image(add_quiet_zones=False)
    height, width = image.shape
    pixels = bytes(memoryview(image))  # one byte per module: 0 dark, 255 light
    return [[pixels[row * width + column] == 0 for column in range(width)] for row in range(height)]


def qr_path(modules: list[list[bool]]) -> str:
    """PDF path operators filling the dark modules, in module units with the origin at the
    bottom left of the code: one rectangle per horizontal run of dark modules.

    Integers only, so the operators are written directly instead of through reportlab's
    per-number float formatting (a certificate's code is a few hundred rectangles).
    """
    count = len(modules)
    operators = []
    for row, cells in enumerate(modules):
        bottom = count - 1 - row
        column = 0
        while column < count:
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < count and cells[column]:
                column += 1
            operators.append(f"{start} {bottom} {column - start} 1 re")
    operators.append("f")
    return "\n".join(operators)
