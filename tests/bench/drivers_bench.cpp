// Decode cost of the device protocol parsers: keyboard-wedge reports to a scan event, HID POS
// scanner reports, scale frames per second. Usage: drivers_bench [--quick]. Prints figures.
//
// Each figure is the median over several rounds of the mean time per item in that round. The
// parsers are pure code, so these are the CPU cost per scan or frame on top of the USB or serial
// read itself; the goal for a scan is <= 1 ms from report to event.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "drivers/HidScaleReport.h"
#include "drivers/KeyboardDecoder.h"
#include "drivers/MtSics.h"
#include "drivers/PosScanAssembler.h"
#include "drivers/ToledoContinuous.h"
#include "drivers/ZebraHostStatus.h"

namespace {

using Clock = std::chrono::steady_clock;
using Report = std::vector<std::uint8_t>;

// Keeps the optimiser from dropping work whose result is otherwise unused.
std::size_t gSink = 0;

// Median over `rounds` of the mean nanoseconds per item, `items` items per round.
double nanosPerItem(int rounds, std::size_t items, const std::function<void()>& round) {
    std::vector<double> means;
    for (int r = 0; r < rounds; ++r) {
        const auto start = Clock::now();
        round();
        const std::chrono::duration<double, std::nano> took = Clock::now() - start;
        means.push_back(took.count() / static_cast<double>(items));
    }
    std::sort(means.begin(), means.end());
    return means[means.size() / 2];
}

// The boot reports an AZERTY scanner sends for a code of digits: Shift+digit down, all up.
std::vector<Report> azertyReports(const std::string& digits) {
    std::vector<Report> reports;
    for (char c : digits) {
        const auto key = static_cast<std::uint8_t>(c == '0' ? 0x27 : 0x1E + (c - '1'));
        reports.push_back({drivers::kLeftShift, 0, key, 0, 0, 0, 0, 0});
        reports.push_back({0, 0, 0, 0, 0, 0, 0, 0});
    }
    reports.push_back({0, 0, 0x28, 0, 0, 0, 0, 0});
    reports.push_back({0, 0, 0, 0, 0, 0, 0, 0});
    return reports;
}

// The same digits from a US scanner (no Shift): on an fr configuration every scan is a mismatch.
std::vector<Report> usReports(const std::string& digits) {
    std::vector<Report> reports;
    for (char c : digits) {
        const auto key = static_cast<std::uint8_t>(c == '0' ? 0x27 : 0x1E + (c - '1'));
        reports.push_back({0, 0, key, 0, 0, 0, 0, 0});
        reports.push_back({0, 0, 0, 0, 0, 0, 0, 0});
    }
    reports.push_back({0, 0, 0x28, 0, 0, 0, 0, 0});
    reports.push_back({0, 0, 0, 0, 0, 0, 0, 0});
    return reports;
}

double keyboardScan(int rounds, int scans, const std::vector<Report>& reports) {
    drivers::KeyboardDecoder decoder("bench", drivers::KeyboardLayout::Fr);
    return nanosPerItem(rounds, static_cast<std::size_t>(scans), [&] {
        for (int i = 0; i < scans; ++i) {
            for (const Report& report : reports) {
                for (const auto& scan : decoder.feed(report)) {
                    gSink += scan.code.size() + scan.problem.size();
                }
            }
        }
    });
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const int rounds = quick ? 3 : 9;
    const int scans = quick ? 2000 : 20000;
    const int frames = quick ? 20000 : 200000;

    std::printf("drivers_bench%s: median of %d rounds\n", quick ? " (quick)" : "", rounds);

    // A 30-digit GS1 code is a long keyboard scan: 62 reports.
    const std::string ean13 = "4006381333931";
    const std::string gs1 = "010400638133393117261231101234";
    std::printf("keyboard wedge, report -> scan event (layout check included):\n");
    std::printf("  EAN-13, AZERTY scanner on fr      %8.2f us/scan  (%zu reports)\n",
                keyboardScan(rounds, scans, azertyReports(ean13)) / 1000.0,
                azertyReports(ean13).size());
    std::printf("  30 digits, AZERTY scanner on fr   %8.2f us/scan  (%zu reports)\n",
                keyboardScan(rounds, scans, azertyReports(gs1)) / 1000.0,
                azertyReports(gs1).size());
    std::printf("  EAN-13, US scanner on fr (mismatch reported) %8.2f us/scan\n",
                keyboardScan(rounds, scans, usReports(ean13)) / 1000.0);

    Report posReport(64, 0);
    posReport[0] = 0x02;
    posReport[1] = static_cast<std::uint8_t>(ean13.size());
    std::memcpy(&posReport[2], "]E0", 3);
    std::memcpy(&posReport[5], ean13.data(), ean13.size());
    drivers::PosScanAssembler assembler;
    const double pos = nanosPerItem(rounds, static_cast<std::size_t>(scans), [&] {
        for (int i = 0; i < scans; ++i) {
            gSink += assembler.feed(posReport)->code.size();
        }
    });
    std::printf("HID POS scanner, report -> code       %8.2f us/scan\n", pos / 1000.0);

    const Report scaleReport = {0x03, 0x04, 0x0B, 0xFF, 0x7B, 0x00};
    const double hid = nanosPerItem(rounds, static_cast<std::size_t>(frames), [&] {
        for (int i = 0; i < frames; ++i) {
            gSink +=
                static_cast<std::size_t>(drivers::parseHidScaleReport(scaleReport).reading.grams);
        }
    });

    std::string sics;
    for (int i = 0; i < 100; ++i) {
        sics += i % 2 == 0 ? "S S     1.234 kg\r\n" : "S D     1.230 kg\r\n";
    }
    drivers::MtSicsStream sicsStream;
    const double mtSics = nanosPerItem(rounds, static_cast<std::size_t>(frames), [&] {
        for (int i = 0; i < frames / 100; ++i) {
            gSink += sicsStream.feed(sics).size();
        }
    });

    // 100 Toledo frames as one serial read brings them: 1.234 kg stable.
    std::string toledo;
    for (int i = 0; i < 100; ++i) {
        toledo +=
            "\x02\x25\x30\x20"
            "001234"
            "000000"
            "\r";
    }
    drivers::ToledoStream toledoStream;
    const double toledoNs = nanosPerItem(rounds, static_cast<std::size_t>(frames), [&] {
        for (int i = 0; i < frames / 100; ++i) {
            gSink += toledoStream.feed(toledo).size();
        }
    });

    const std::string hostStatus =
        "\x02"
        "030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n"
        "\x02"
        "001,0,0,0,1,2,4,0,00000000,1,000\x03\r\n"
        "\x02"
        "1234,0\x03\r\n";
    const double hs = nanosPerItem(rounds, static_cast<std::size_t>(frames), [&] {
        for (int i = 0; i < frames; ++i) {
            gSink += drivers::parseHostStatus(hostStatus).status.has_value() ? 1 : 0;
        }
    });

    std::printf("scale frames parsed per second (one core):\n");
    std::printf("  HID POS scale report              %12.0f /s\n", 1e9 / hid);
    std::printf("  MT-SICS line (stream)             %12.0f /s\n", 1e9 / mtSics);
    std::printf("  Toledo continuous frame (stream)  %12.0f /s\n", 1e9 / toledoNs);
    std::printf("printer ~HS answers parsed per second %10.0f /s\n", 1e9 / hs);
    std::printf("(sink %zu)\n", gSink % 10);
    return 0;
}
