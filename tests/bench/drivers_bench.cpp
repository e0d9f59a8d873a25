// Decode cost of the device protocol parsers: keyboard-wedge reports to a scan event, HID POS
// scanner reports, scale frames per second. Usage: drivers_bench [--quick]. Prints figures.
//
// Each figure is the median over several rounds of the mean time per item in that round. The
// parsers are pure code, so these are the CPU cost per scan or frame on top of the USB or serial
// read itself; the goal for a scan is <= 1 ms from report to event. The last section runs the
// drivers with their I/O (pseudo-terminals for the serial devices): scan latency, scale readings
// per second, and the CPU the daemon's side uses while every driver is started and idle.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "drivers/CupsPrinter.h"
#include "drivers/HidScaleReport.h"
#include "drivers/KeyboardDecoder.h"
#include "drivers/MtSics.h"
#include "drivers/PosScanAssembler.h"
#include "drivers/SerialScale.h"
#include "drivers/SerialScanner.h"
#include "drivers/TcpZplPrinter.h"
#include "drivers/ToledoContinuous.h"
#include "drivers/UsbHidScale.h"
#include "drivers/UsbKeyboardScanner.h"
#include "drivers/UsbPosScanner.h"
#include "drivers/UsbPrinter.h"
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

// ---- Drivers with their I/O: pseudo-terminals stand in for the serial devices ----------------

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// A pseudo-terminal whose master side plays the device; the driver opens the slave by name.
struct Pty {
    Pty() {
        char name[256];
        if (::openpty(&master, &slave, name, nullptr, nullptr) != 0) {
            std::perror("openpty");
            std::exit(1);
        }
        path = name;
    }
    ~Pty() {
        ::close(master);
        ::close(slave);
    }
    int master = -1;
    int slave = -1;
    std::string path;
};

// Serial scanner: a line written on the master to the ScanEvent on the io_context, through the
// kernel's tty layer, Asio and the line splitter.
void serialScanLatency(int scans) {
    Pty pty;
    boost::asio::io_context io;
    drivers::SerialScanner scanner(io, "bench", drivers::SerialSettings{.device = pty.path});
    Clock::time_point sent;
    std::vector<double> micros;
    bool got = false;
    scanner.start([&](const drivers::ScanEvent&, drivers::ScanReply) {
        micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
        got = true;
    });
    const std::string line = "4006381333931\r\n";
    for (int i = 0; i < scans; ++i) {
        got = false;
        sent = Clock::now();
        (void)!::write(pty.master, line.data(), line.size());
        while (!got) {
            io.run_one();
        }
    }
    std::printf(
        "  serial scanner, line on the tty -> ScanEvent   median %6.1f us, p99 %6.1f us\n"
        "    (written and read on one thread: the daemon's wake-up from epoll comes on top)\n",
        percentile(micros, 0.5), percentile(micros, 0.99));
}

// USB scanners: libusb completes the interrupt transfer of the last report (Enter) on its event
// thread; the driver copies it and posts it to the io_context, where the decoder finishes the
// scan. This measures that hand-over and the decode; the kernel and the USB polling interval of
// the scanner (1-10 ms, set by the device) come on top and are not ours to shorten.
void usbHandOverLatency(int scans) {
    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    drivers::KeyboardDecoder decoder("bench", drivers::KeyboardLayout::Fr);
    const std::vector<Report> reports = azertyReports("4006381333931");
    std::vector<double> micros;
    std::atomic<bool> got{false};
    std::thread ioThread([&] { io.run(); });
    for (int i = 0; i < scans; ++i) {
        // All but the Enter reports were decoded already, as they would have been.
        for (std::size_t r = 0; r + 2 < reports.size(); ++r) {
            boost::asio::post(io, [&, r] { (void)decoder.feed(reports[r]); });
        }
        std::atomic<bool> ready{false};
        boost::asio::post(io, [&] { ready = true; });
        while (!ready) {
            std::this_thread::yield();
        }
        const Clock::time_point completed = Clock::now();
        for (std::size_t r = reports.size() - 2; r < reports.size(); ++r) {
            std::vector<std::uint8_t> copy(reports[r]);  // what the transfer callback does
            boost::asio::post(io, [&, copy = std::move(copy), completed] {
                for (const auto& scan : decoder.feed(copy)) {
                    gSink += scan.code.size();
                    micros.push_back(
                        std::chrono::duration<double, std::micro>(Clock::now() - completed)
                            .count());
                    got = true;
                }
            });
        }
        while (!got.exchange(false)) {
            std::this_thread::yield();
        }
    }
    guard.reset();
    ioThread.join();
    std::printf(
        "  USB, transfer done on libusb's thread -> ScanEvent  median %5.1f us, p99 %5.1f us"
        "\n    (hand-over and decode; plus the scanner's USB polling interval)\n",
        percentile(micros, 0.5), percentile(micros, 0.99));
}

std::string toledoWeight(int grams) {
    std::string f = "\x02";
    f += static_cast<char>(0x20 | 5);
    f += static_cast<char>(0x20 | 0x10);
    f += static_cast<char>(0x20);
    char digits[8];
    std::snprintf(digits, sizeof digits, "%06d", grams);
    f += digits;
    f += "000000\r";
    return f;
}

// Scale readings delivered per second when every frame changes the weight: a Toledo
// continuous stream written as fast as the pty takes it, and MT-SICS "SI" answered at once.
void scaleUpdates(std::chrono::milliseconds duration) {
    {
        Pty pty;
        boost::asio::io_context io;
        drivers::SerialScaleOptions options;
        options.protocol = drivers::SerialScaleProtocol::Toledo;
        drivers::SerialScale scale(io, "bench", drivers::SerialSettings{.device = pty.path},
                                   options);
        long readings = 0;
        scale.start([&](const drivers::ScaleReading&) { ++readings; });
        std::atomic<bool> stop{false};
        std::thread writer([&] {
            std::string burst;
            for (int i = 0; i < 50; ++i) {
                burst += toledoWeight(1000 + i);
            }
            while (!stop) {
                (void)!::write(pty.master, burst.data(), burst.size());
            }
        });
        io.run_for(duration);
        stop = true;
        io.run_for(std::chrono::milliseconds(50));  // lets the writer's last write drain
        writer.join();
        std::printf("  Toledo continuous on a pty, readings delivered  %10.0f /s\n",
                    static_cast<double>(readings) * 1000.0 / static_cast<double>(duration.count()));
    }
    {
        Pty pty;
        boost::asio::io_context io;
        drivers::SerialScaleOptions options;
        options.protocol = drivers::SerialScaleProtocol::MtSicsImmediate;
        options.pollInterval = std::chrono::milliseconds(0);
        drivers::SerialScale scale(io, "bench", drivers::SerialSettings{.device = pty.path},
                                   options);
        long readings = 0;
        scale.start([&](const drivers::ScaleReading&) { ++readings; });
        std::atomic<bool> stop{false};
        std::thread peer([&] {
            int n = 0;
            char buffer[256];
            while (!stop) {
                pollfd p{pty.master, POLLIN, 0};
                if (::poll(&p, 1, 20) <= 0) {
                    continue;
                }
                const ssize_t got = ::read(pty.master, buffer, sizeof buffer);
                for (ssize_t i = 0; i < got; ++i) {
                    if (buffer[i] == '\n') {
                        char answer[64];
                        const int length = std::snprintf(answer, sizeof answer,
                                                         "S S     %d.%03d kg\r\n", 1, n++ % 1000);
                        (void)!::write(pty.master, answer, static_cast<std::size_t>(length));
                    }
                }
            }
        });
        io.run_for(duration);
        stop = true;
        peer.join();
        std::printf(
            "  MT-SICS \"SI\" answered at once, readings        %10.0f /s\n"
            "    (a real scale at 9600 baud answers at most ~50 times a second)\n",
            static_cast<double>(readings) * 1000.0 / static_cast<double>(duration.count()));
    }
}

double cpuSeconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// CPU of the daemon's side while idle: every driver started, the serial scale polled (MT-SICS
// every 200 ms) and a Toledo scale streaming 10 frames a second, both played by a child
// process so that their CPU is not counted; the USB drivers wait for their devices with libusb's
// thread asleep in poll(); the CUPS and TCP printers poll their status every 5 s.
void idleCpu(std::chrono::seconds duration) {
    Pty scanner;
    Pty sics;
    Pty toledo;
    const pid_t peer = ::fork();
    if (peer == 0) {
        char buffer[256];
        auto last = Clock::now();
        for (;;) {
            pollfd p{sics.master, POLLIN, 0};
            if (::poll(&p, 1, 10) > 0) {
                const ssize_t got = ::read(sics.master, buffer, sizeof buffer);
                for (ssize_t i = 0; i < got; ++i) {
                    if (buffer[i] == '\n') {
                        (void)!::write(sics.master, "S S     1.234 kg\r\n", 18);
                    }
                }
            }
            if (Clock::now() - last >= std::chrono::milliseconds(100)) {
                last = Clock::now();
                const std::string frame = toledoWeight(1234);
                (void)!::write(toledo.master, frame.data(), frame.size());
            }
        }
    }
    boost::asio::io_context io;
    std::string error;
    auto usb = drivers::UsbContext::create(error);
    drivers::SerialScanner serialScanner(io, "serial",
                                         drivers::SerialSettings{.device = scanner.path});
    drivers::SerialScale sicsScale(io, "sics", drivers::SerialSettings{.device = sics.path});
    drivers::SerialScaleOptions toledoOptions;
    toledoOptions.protocol = drivers::SerialScaleProtocol::Toledo;
    drivers::SerialScale toledoScale(io, "toledo", drivers::SerialSettings{.device = toledo.path},
                                     toledoOptions);
    drivers::UsbKeyboardScanner usbScanner(io, usb, "wedge", {0x05e0, 0x1200, ""},
                                           drivers::KeyboardLayout::Us);
    drivers::UsbPosScanner posScanner(io, usb, "pos", {0x05e0, 0x1300, ""});
    drivers::UsbHidScale usbScale(io, usb, "dymo", {0x0922, 0x8003, ""});
    drivers::UsbPrinter usbPrinter(io, usb, "zebra-usb", {0x0a5f, 0x0166, ""});
    drivers::CupsPrinterOptions cupsOptions;
    cupsOptions.server = "127.0.0.1:1";  // nobody there: asked every 5 s all the same
    drivers::CupsPrinter cupsPrinter(io, "cups", "labels", cupsOptions);
    drivers::TcpZplPrinter tcpPrinter(io, "zebra-tcp", "127.0.0.1", 1);
    long events = 0;
    auto onScan = [&](const drivers::ScanEvent&, drivers::ScanReply) { ++events; };
    auto onReading = [&](const drivers::ScaleReading&) { ++events; };
    serialScanner.start(onScan);
    usbScanner.start(onScan);
    posScanner.start(onScan);
    sicsScale.start(onReading);
    toledoScale.start(onReading);
    usbScale.start(onReading);
    io.run_for(std::chrono::milliseconds(500));  // everything opened and settled
    const double before = cpuSeconds();
    const auto start = Clock::now();
    io.run_for(duration);
    const double used = cpuSeconds() - before;
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    ::kill(peer, SIGKILL);
    ::waitpid(peer, nullptr, 0);
    std::printf(
        "  idle, 10 drivers started (%s)\n"
        "    CPU %.3f%% of one core (%.1f ms over %.0f s)\n",
        usb ? "libusb up" : error.c_str(), 100.0 * used / wall, used * 1000.0, wall);
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

    std::printf("drivers with their I/O:\n");
    serialScanLatency(quick ? 200 : 2000);
    usbHandOverLatency(quick ? 200 : 2000);
    scaleUpdates(std::chrono::milliseconds(quick ? 300 : 2000));
    idleCpu(std::chrono::seconds(quick ? 2 : 10));
    std::printf("(sink %zu)\n", gSink % 10);
    return 0;
}
