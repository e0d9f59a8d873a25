// The libusb drivers against USB devices emulated with umockdev: enumeration from sysfs, open,
// kernel driver detached and interface claimed, interrupt and bulk transfers, control requests,
// unplug and replug through uevents. Run under umockdev-run (see CMakeLists.txt).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "UsbEmulator.h"
#include "drivers/KeyboardDecoder.h"
#include "drivers/UsbContext.h"
#include "drivers/UsbHidScale.h"
#include "drivers/UsbKeyboardScanner.h"
#include "drivers/UsbPosScanner.h"
#include "drivers/UsbPrinter.h"
#include "tests/drivers/FakeZebra.h"

namespace {

using namespace std::chrono_literals;
using drivers::KeyboardLayout;
using drivers::ScaleReading;
using drivers::ScaleStatus;
using drivers::ScanEvent;
using usbtest::ControlAnswer;
using usbtest::ControlSetup;
using usbtest::EmulatedUsbDevice;
using usbtest::UsbEmulator;

std::string fixture(const char* name) {
    return std::string(STATION_SOURCE_DIR) + "/tests/fixtures/umockdev/" + name;
}

std::string report(std::initializer_list<int> bytes) {
    std::string r;
    for (int b : bytes) {
        r.push_back(static_cast<char>(b));
    }
    return r;
}

// What a keyboard-wedge scanner sends for digits then Enter: each key down, then all up.
// AZERTY types digits with Shift held; a US scanner without.
std::vector<std::string> typedDigits(const std::string& digits, bool shift) {
    std::vector<std::string> reports;
    for (char c : digits) {
        const int key = c == '0' ? 0x27 : 0x1E + (c - '1');
        reports.push_back(report({shift ? drivers::kLeftShift : 0, 0, key, 0, 0, 0, 0, 0}));
        reports.push_back(std::string(8, '\0'));
    }
    reports.push_back(report({0, 0, 0x28, 0, 0, 0, 0, 0}));
    reports.push_back(std::string(8, '\0'));
    return reports;
}

class UsbTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!UsbEmulator::available()) {
            GTEST_SKIP() << "not under umockdev: run through umockdev-run (ctest does)";
        }
        emulator_ = std::make_unique<UsbEmulator>();
    }

    // libusb after the devices exist, as at a daemon start with everything plugged in.
    std::shared_ptr<drivers::UsbContext> usb() {
        if (!usb_) {
            std::string error;
            usb_ = drivers::UsbContext::create(error);
            EXPECT_TRUE(usb_ != nullptr) << error;
        }
        return usb_;
    }

    // Runs the io_context until `done` holds; false after 10 s (a hang, not a figure).
    bool runUntil(const std::function<bool()>& done) {
        const auto limit = std::chrono::steady_clock::now() + 10s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > limit) {
                return false;
            }
            io_.restart();
            io_.run_for(5ms);
        }
        return true;
    }

    void runFor(std::chrono::milliseconds duration) {
        io_.restart();
        io_.run_for(duration);
    }

    void type(EmulatedUsbDevice& device, const std::vector<std::string>& reports) {
        for (const std::string& r : reports) {
            device.queueInput(0x81, r);
        }
    }

    std::unique_ptr<UsbEmulator> emulator_;
    boost::asio::io_context io_;
    std::shared_ptr<drivers::UsbContext> usb_;
};

// ---- keyboard-wedge scanner ---------------------------------------------------------------

using UsbKeyboardScanner = UsbTest;

TEST_F(UsbKeyboardScanner, AzertyDigitsArriveAsACodeFromAClaimedDevice) {
    EmulatedUsbDevice& device =
        emulator_->add(fixture("wedge-scanner.umockdev"), "Symbol", "Bar Code Scanner", "S-PACK");
    drivers::UsbKeyboardScanner scanner(io_, usb(), "packing", {0x05e0, 0x1200, ""},
                                        KeyboardLayout::Fr);
    std::vector<ScanEvent> scans;
    scanner.start([&](const ScanEvent& e, drivers::ScanReply reply) {
        scans.push_back(e);
        reply("nothing to answer");
    });
    ASSERT_TRUE(runUntil([&] { return scanner.status().up; })) << scanner.status().detail;

    // Exclusive: the kernel's keyboard driver let go before the claim, so the keys reach no
    // other program.
    EXPECT_TRUE(device.kernelDriverDetached(0));
    EXPECT_TRUE(device.claimed(0));
    const auto status = scanner.status();
    EXPECT_EQ(status.kind, "usb-keyboard");
    EXPECT_NE(status.detail.find("05e0:1200 (Symbol Bar Code Scanner) on bus 1 address 2"),
              std::string::npos)
        << status.detail;
    EXPECT_NE(status.detail.find("layout fr"), std::string::npos);
    // Boot protocol and idle rate 0 asked of the boot keyboard interface.
    bool bootProtocol = false;
    bool idle = false;
    for (const ControlSetup& s : device.controls()) {
        bootProtocol = bootProtocol || (s.requestType == 0x21 && s.request == 0x0B && s.value == 0);
        idle = idle || (s.requestType == 0x21 && s.request == 0x0A && s.value == 0);
    }
    EXPECT_TRUE(bootProtocol);
    EXPECT_TRUE(idle);

    type(device, typedDigits("4006381333931", true));
    ASSERT_TRUE(runUntil([&] { return scans.size() == 1; }));
    EXPECT_EQ(scans[0].scanner, "packing");
    EXPECT_EQ(scans[0].code, "4006381333931");
    EXPECT_EQ(scans[0].problem, "");

    // The same digits from a scanner set to US: delivered, but with the problem, never as a
    // plain code.
    type(device, typedDigits("4006381333931", false));
    ASSERT_TRUE(runUntil([&] { return scans.size() == 2; }));
    EXPECT_NE(scans[1].problem.find("seems to use keyboard layout us"), std::string::npos)
        << scans[1].problem;
    EXPECT_NE(scans[1].problem.find("4006381333931"), std::string::npos);

    scanner.stop();
    EXPECT_FALSE(device.claimed(0));
    EXPECT_FALSE(device.kernelDriverDetached(0));  // the keyboard driver has it back
}

TEST_F(UsbKeyboardScanner, TwoAlikeScannersAreToldApartBySerialAndNeverMix) {
    EmulatedUsbDevice& packing =
        emulator_->add(fixture("wedge-scanner.umockdev"), "Symbol", "Bar Code Scanner", "S-PACK");
    EmulatedUsbDevice& returns =
        emulator_->add(fixture("wedge-scanner-2.umockdev"), "Symbol", "Bar Code Scanner", "S-RET");
    drivers::UsbKeyboardScanner returnsScanner(io_, usb(), "returns", {0x05e0, 0x1200, "S-RET"},
                                               KeyboardLayout::Us);
    drivers::UsbKeyboardScanner packingScanner(io_, usb(), "packing", {0x05e0, 0x1200, "S-PACK"},
                                               KeyboardLayout::Us);
    std::vector<ScanEvent> scans;
    auto collect = [&](const ScanEvent& e, drivers::ScanReply) { scans.push_back(e); };
    returnsScanner.start(collect);
    packingScanner.start(collect);
    ASSERT_TRUE(runUntil([&] { return returnsScanner.status().up && packingScanner.status().up; }));
    EXPECT_NE(returnsScanner.status().detail.find("address 3"), std::string::npos);
    EXPECT_NE(packingScanner.status().detail.find("address 2"), std::string::npos);

    type(returns, typedDigits("111", false));
    ASSERT_TRUE(runUntil([&] { return scans.size() == 1; }));
    type(packing, typedDigits("222", false));
    ASSERT_TRUE(runUntil([&] { return scans.size() == 2; }));
    EXPECT_EQ(scans[0].scanner, "returns");
    EXPECT_EQ(scans[0].code, "111");
    EXPECT_EQ(scans[1].scanner, "packing");
    EXPECT_EQ(scans[1].code, "222");
}

TEST_F(UsbKeyboardScanner, UnplugIsNoticedAndTheScannerResumesWhenReplugged) {
    EmulatedUsbDevice& device =
        emulator_->add(fixture("wedge-scanner.umockdev"), "Symbol", "Bar Code Scanner", "S-PACK");
    drivers::UsbKeyboardScanner scanner(io_, usb(), "packing", {0x05e0, 0x1200, ""},
                                        KeyboardLayout::Us);
    std::vector<ScanEvent> scans;
    scanner.start([&](const ScanEvent& e, drivers::ScanReply) { scans.push_back(e); });
    ASSERT_TRUE(runUntil([&] { return scanner.status().up; }));
    // Half a code, then the cable is pulled.
    type(device, {report({0, 0, 0x1E, 0, 0, 0, 0, 0}), std::string(8, '\0')});
    ASSERT_TRUE(runUntil([&] { return device.queuedInput() == 0; }));
    runFor(20ms);
    emulator_->unplug(device);
    ASSERT_TRUE(runUntil([&] { return !scanner.status().up; }));
    EXPECT_NE(scanner.status().detail.find("unplugged"), std::string::npos)
        << scanner.status().detail;

    emulator_->replug(device);
    ASSERT_TRUE(runUntil([&] { return scanner.status().up; })) << scanner.status().detail;
    EXPECT_TRUE(device.claimed(0));
    type(device, typedDigits("4006381333931", false));
    ASSERT_TRUE(runUntil([&] { return scans.size() == 1; }));
    // The half code from before the unplug did not leak into the first code after it.
    EXPECT_EQ(scans[0].code, "4006381333931");
}

TEST_F(UsbKeyboardScanner, MissingScannerIsReportedAndPickedUpWhenPluggedIn) {
    drivers::UsbKeyboardScanner scanner(io_, usb(), "packing", {0x05e0, 0x1200, ""},
                                        KeyboardLayout::Us);
    std::vector<ScanEvent> scans;
    scanner.start([&](const ScanEvent& e, drivers::ScanReply) { scans.push_back(e); });
    ASSERT_TRUE(runUntil([&] {
        return scanner.status().detail.find("not plugged in") != std::string::npos;
    })) << scanner.status().detail;
    EXPECT_FALSE(scanner.status().up);

    EmulatedUsbDevice& device =
        emulator_->add(fixture("wedge-scanner.umockdev"), "Symbol", "Bar Code Scanner", "S-PACK");
    ASSERT_TRUE(runUntil([&] { return scanner.status().up; })) << scanner.status().detail;
    type(device, typedDigits("42", false));
    ASSERT_TRUE(runUntil([&] { return scans.size() == 1; }));
    EXPECT_EQ(scans[0].code, "42");
}

// ---- HID POS scanner ----------------------------------------------------------------------

using UsbPosScanner = UsbTest;

std::string posReport(std::string_view aim, std::string_view data, bool more) {
    std::string r(64, '\0');
    r[0] = 0x02;
    r[1] = static_cast<char>(data.size());
    r.replace(2, aim.size(), aim);
    r.replace(5, data.size(), data);
    r[63] = more ? 1 : 0;
    return r;
}

TEST_F(UsbPosScanner, CodeOverTwoReportsKeepsItsAimIdentifier) {
    EmulatedUsbDevice& device =
        emulator_->add(fixture("pos-scanner.umockdev"), "Zebra", "DS2208 HID POS", "P-1");
    drivers::UsbPosScanner scanner(io_, usb(), "packing", {0x05e0, 0x1300, ""});
    std::vector<ScanEvent> scans;
    scanner.start([&](const ScanEvent& e, drivers::ScanReply) { scans.push_back(e); });
    ASSERT_TRUE(runUntil([&] { return scanner.status().up; })) << scanner.status().detail;
    EXPECT_EQ(scanner.status().kind, "hid-pos");
    EXPECT_TRUE(device.claimed(0));
    EXPECT_TRUE(device.kernelDriverDetached(0));

    // A GS1 DataMatrix longer than one report: 56 bytes, then the rest.
    const std::string gs1 =
        "0104006381333931"
        "17261231"
        "10BATCH-0001-ABCDEFGHIJKLMNOPQR\x1d"
        "21SERIAL12345678901234";
    device.queueInput(0x81, posReport("]d2", std::string_view(gs1).substr(0, 56), true));
    device.queueInput(0x81, posReport("]d2", std::string_view(gs1).substr(56), false));
    ASSERT_TRUE(runUntil([&] { return scans.size() == 1; }));
    EXPECT_EQ(scans[0].scanner, "packing");
    EXPECT_EQ(scans[0].code, "]d2" + gs1);
    EXPECT_EQ(scans[0].problem, "");

    // A report whose length cannot be right is delivered as a problem, not as a code.
    std::string broken = posReport("]E0", "4006381333931", false);
    broken[1] = 60;
    device.queueInput(0x81, broken);
    device.queueInput(0x81, posReport("]E0", "4006381333931", false));
    ASSERT_TRUE(runUntil([&] { return scans.size() == 3; }));
    EXPECT_NE(scans[1].problem.find("scanner packing"), std::string::npos) << scans[1].problem;
    EXPECT_EQ(scans[2].code, "]E04006381333931");
    EXPECT_EQ(scans[2].problem, "");
}

// ---- HID POS scale ------------------------------------------------------------------------

using UsbHidScale = UsbTest;

// DYMO report: id 3, status, unit (11 oz, 2 g), exponent, weight little endian.
std::string scaleReport(int status, int unit, int exponent, int raw) {
    return report({3, status, unit, exponent & 0xff, raw & 0xff, (raw >> 8) & 0xff});
}

TEST_F(UsbHidScale, DymoGoesFromMotionToStableToOverloadThenUnpluggedAndBack) {
    EmulatedUsbDevice& device = emulator_->add(fixture("dymo-scale.umockdev"), "DYMO",
                                               "M10 10 kg Digital Postal Scale", "0071012345");
    drivers::UsbHidScale scale(io_, usb(), "bench", {0x0922, 0x8003, ""});
    std::vector<ScaleReading> readings;
    scale.start([&](const ScaleReading& r) { readings.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return scale.status().up; })) << scale.status().detail;
    EXPECT_EQ(scale.last().status, ScaleStatus::Disconnected);  // nothing fresh yet

    // The first report is the weight left from before it was opened: dropped.
    device.queueInput(0x82, scaleReport(4, 2, 0, 5000));
    device.queueInput(0x82, scaleReport(3, 2, 0, 800));
    ASSERT_TRUE(runUntil([&] { return !readings.empty(); }));
    EXPECT_EQ(readings.front(), (ScaleReading{ScaleStatus::InMotion, 800}));
    // 43.5 oz stable = 1233.2 g.
    device.queueInput(0x82, scaleReport(4, 11, -1, 435));
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Stable; }));
    EXPECT_EQ(scale.last().grams, 1233);
    device.queueInput(0x82, scaleReport(6, 2, 0, 0));
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Overload; }));
    for (const ScaleReading& r : readings) {
        EXPECT_NE(r.grams, 5000) << "the stale first report was used";
    }

    // Zero command: this scale has no OUT endpoint, so it goes as SET_REPORT(output) {2, 2}.
    std::optional<std::string> zeroed;
    device.onControl([](const ControlSetup&, const std::string&) { return ControlAnswer(""); });
    scale.zero([&](const std::string& error) { zeroed = error; });
    ASSERT_TRUE(runUntil([&] { return zeroed.has_value(); }));
    EXPECT_EQ(*zeroed, "");
    const auto setups = device.controls();
    const auto data = device.controlData();
    ASSERT_FALSE(setups.empty());
    EXPECT_EQ(setups.back().requestType, 0x21);
    EXPECT_EQ(setups.back().request, 0x09);
    EXPECT_EQ(setups.back().value, 0x0202);
    EXPECT_EQ(data.back(), report({2, 2}));

    emulator_->unplug(device);
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Disconnected; }));
    EXPECT_EQ(scale.last().grams, 0);
    EXPECT_FALSE(scale.status().up);
    EXPECT_EQ(readings.back(), (ScaleReading{ScaleStatus::Disconnected, 0}));

    emulator_->replug(device);
    ASSERT_TRUE(runUntil([&] { return scale.status().up; })) << scale.status().detail;
    // Again the first report after the replug is dropped.
    device.queueInput(0x82, scaleReport(6, 2, 0, 0));
    device.queueInput(0x82, scaleReport(4, 2, 0, 2150));
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Stable; }));
    EXPECT_EQ(scale.last().grams, 2150);
    EXPECT_EQ(readings.back(), (ScaleReading{ScaleStatus::Stable, 2150}));
    EXPECT_NE(readings[readings.size() - 2].status, ScaleStatus::Overload);
    EXPECT_EQ(scale.status().kind, "hid-pos");
    EXPECT_NE(scale.status().detail.find("stable"), std::string::npos) << scale.status().detail;
}

TEST_F(UsbHidScale, ZeroRefusedByTheScaleIsAnError) {
    EmulatedUsbDevice& device =
        emulator_->add(fixture("dymo-scale.umockdev"), "DYMO", "M10", "0071012345");
    drivers::UsbHidScale scale(io_, usb(), "bench", {0x0922, 0x8003, ""});
    scale.start([](const ScaleReading&) {});
    ASSERT_TRUE(runUntil([&] { return scale.status().up; }));
    std::optional<std::string> zeroed;
    scale.zero([&](const std::string& error) { zeroed = error; });  // no handler: stalls
    ASSERT_TRUE(runUntil([&] { return zeroed.has_value(); }));
    EXPECT_NE(zeroed->find("did not take the zero command"), std::string::npos) << *zeroed;
    (void)device;
}

// ---- USB ZPL printer ----------------------------------------------------------------------

// ~HS answers as the fake network Zebra gives them.
using fake_zebra::hostStatusReply;

// A Zebra on USB: device id and port status on the control pipe, ~HS answered on bulk IN.
struct ZebraModel {
    unsigned char portStatus = 0x18;  // selected, no error
    bool paperOut = false;
    bool headOpen = false;
    bool answersHostStatus = true;

    void attach(EmulatedUsbDevice& device) {
        device.onControl([this](const ControlSetup& s, const std::string&) -> ControlAnswer {
            if (s.requestType == 0xA1 && s.request == 0) {
                const std::string id = "MFG:Zebra Technologies;MDL:ZTC ZD420-203dpi ZPL;CMD:ZPL;";
                const auto length = static_cast<unsigned>(id.size() + 2);
                return std::string{static_cast<char>(length >> 8),
                                   static_cast<char>(length & 0xff)} +
                       id;
            }
            if (s.requestType == 0xA1 && s.request == 1) {
                return std::string(1, static_cast<char>(portStatus));
            }
            return std::nullopt;
        });
        device.onOutput([this, &device](std::uint8_t, const std::string& bytes) {
            if (bytes == "~HS" && answersHostStatus) {
                device.queueInput(0x82, hostStatusReply(paperOut, headOpen));
            }
        });
    }
};

class UsbPrinterTest : public UsbTest {
  protected:
    drivers::PrintResult print(drivers::UsbPrinter& printer, drivers::PrintJob job) {
        std::optional<drivers::PrintResult> result;
        printer.submit(std::move(job), [&](const drivers::PrintResult& r) { result = r; });
        EXPECT_TRUE(runUntil([&] { return result.has_value(); }));
        return result.value_or(drivers::PrintResult{});
    }
};

TEST_F(UsbPrinterTest, ZplJobGoesOutBetweenTwoHostStatusAnswersAndIsNeverSentTwice) {
    EmulatedUsbDevice& device = emulator_->add(fixture("zebra-printer.umockdev"),
                                               "Zebra Technologies", "ZTC ZD420", "D4J201234");
    ZebraModel zebra;
    zebra.attach(device);
    drivers::UsbPrinter printer(io_, usb(), "zebra-usb", {0x0a5f, 0x0166, ""});
    ASSERT_TRUE(runUntil([&] { return printer.status().up; })) << printer.status().detail;
    ASSERT_TRUE(runUntil([&] { return !printer.deviceId().empty(); }));
    EXPECT_EQ(printer.deviceId(), "MFG:Zebra Technologies;MDL:ZTC ZD420-203dpi ZPL;CMD:ZPL;");
    EXPECT_TRUE(device.claimed(0));
    EXPECT_EQ(printer.status().kind, "usb-printer");
    EXPECT_NE(printer.status().detail.find("ready"), std::string::npos) << printer.status().detail;
    // The first status check after connecting is over: what follows is the job's alone.
    ASSERT_TRUE(runUntil([&] { return printer.lastHostStatus().has_value(); }));

    const std::string zpl = "^XA^FO50,50^A0N,40,40^FDParcel 42^FS^XZ";
    const auto before = device.outputs(0x01).size();
    const drivers::PrintResult result = print(printer, {"label-1", "zpl", zpl});
    ASSERT_TRUE(result.ok) << result.error;
    EXPECT_FALSE(result.duplicate);
    auto sent = device.outputs(0x01);
    ASSERT_EQ(sent.size(), before + 3);
    EXPECT_EQ(sent[before], "~HS");
    EXPECT_EQ(sent[before + 1], zpl);
    EXPECT_EQ(sent[before + 2], "~HS");
    ASSERT_TRUE(printer.lastHostStatus().has_value());

    const drivers::PrintResult again = print(printer, {"label-1", "zpl", zpl});
    EXPECT_TRUE(again.ok);
    EXPECT_TRUE(again.duplicate);
    sent = device.outputs(0x01);
    int copies = 0;
    for (const std::string& s : sent) {
        copies += s == zpl ? 1 : 0;
    }
    EXPECT_EQ(copies, 1);
}

TEST_F(UsbPrinterTest, AStaleReadyAnswerLeftOnBulkInIsNotTakenForTheCurrentStatus) {
    EmulatedUsbDevice& device = emulator_->add(fixture("zebra-printer.umockdev"),
                                               "Zebra Technologies", "ZTC ZD420", "D4J201234");
    ZebraModel zebra;
    zebra.attach(device);
    drivers::UsbPrinterOptions options;
    options.pollInterval = 0ms;
    drivers::UsbPrinter printer(io_, usb(), "zebra-usb", {0x0a5f, 0x0166, ""}, options);
    ASSERT_TRUE(runUntil([&] { return device.claimed(0); }));
    // A "ready" answered late to an earlier query waits on bulk IN; then the paper runs out.
    device.queueInput(0x82, hostStatusReply(false, false));
    zebra.paperOut = true;

    const drivers::PrintResult result = print(printer, {"label-7", "zpl", "^XA^XZ"});
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.failure, drivers::PrintFailure::Unavailable);
    EXPECT_NE(result.error.find("paper out"), std::string::npos) << result.error;
    for (const std::string& s : device.outputs(0x01)) {
        EXPECT_NE(s, "^XA^XZ") << "the job went out on a stale answer";
    }
}

TEST_F(UsbPrinterTest, PaperOutInThePortStatusOrHeadOpenInHostStatusRefusesTheJob) {
    EmulatedUsbDevice& device = emulator_->add(fixture("zebra-printer.umockdev"),
                                               "Zebra Technologies", "ZTC ZD420", "D4J201234");
    ZebraModel zebra;
    zebra.portStatus = 0x38;  // paper empty
    zebra.attach(device);
    drivers::UsbPrinterOptions options;
    options.pollInterval = 0ms;
    drivers::UsbPrinter printer(io_, usb(), "zebra-usb", {0x0a5f, 0x0166, ""}, options);
    ASSERT_TRUE(runUntil([&] { return device.claimed(0); }));

    drivers::PrintResult result = print(printer, {"label-2", "zpl", "^XA^XZ"});
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.error, "printer zebra-usb: paper out: not printed");
    EXPECT_FALSE(printer.status().up);
    EXPECT_NE(printer.status().detail.find("paper out"), std::string::npos);

    zebra.portStatus = 0x18;
    zebra.headOpen = true;
    result = print(printer, {"label-2", "zpl", "^XA^XZ"});
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("head open"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find(": not printed"), std::string::npos) << result.error;
    for (const std::string& s : device.outputs(0x01)) {
        EXPECT_EQ(s, "~HS") << "a job went out to a printer that cannot print";
    }

    zebra.headOpen = false;
    result = print(printer, {"label-2", "zpl", "^XA^XZ"});
    EXPECT_TRUE(result.ok) << result.error;
}

TEST_F(UsbPrinterTest, SilenceToHostStatusIsAnErrorNotReady) {
    EmulatedUsbDevice& device = emulator_->add(fixture("zebra-printer.umockdev"),
                                               "Zebra Technologies", "ZTC ZD420", "D4J201234");
    ZebraModel zebra;
    zebra.answersHostStatus = false;
    zebra.attach(device);
    drivers::UsbPrinterOptions options;
    options.statusTimeout = 300ms;
    options.pollInterval = 0ms;
    drivers::UsbPrinter printer(io_, usb(), "zebra-usb", {0x0a5f, 0x0166, ""}, options);
    ASSERT_TRUE(runUntil([&] { return device.claimed(0); }));
    const drivers::PrintResult result = print(printer, {"label-3", "zpl", "^XA^XZ"});
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("no answer to ~HS"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find(": not printed"), std::string::npos) << result.error;
}

TEST_F(UsbPrinterTest, UnpluggedPrinterHoldsNothingAndPrintsAgainOnceBack) {
    EmulatedUsbDevice& device = emulator_->add(fixture("zebra-printer.umockdev"),
                                               "Zebra Technologies", "ZTC ZD420", "D4J201234");
    ZebraModel zebra;
    zebra.attach(device);
    drivers::UsbPrinter printer(io_, usb(), "zebra-usb", {0x0a5f, 0x0166, ""});
    ASSERT_TRUE(runUntil([&] { return printer.status().up; }));
    emulator_->unplug(device);
    ASSERT_TRUE(runUntil([&] { return !printer.status().up; }));
    drivers::PrintResult result = print(printer, {"label-4", "zpl", "^XA^FDx^FS^XZ"});
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("not connected"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find(": not printed"), std::string::npos) << result.error;

    emulator_->replug(device);
    ASSERT_TRUE(runUntil([&] { return printer.status().up; })) << printer.status().detail;
    result = print(printer, {"label-4", "zpl", "^XA^FDx^FS^XZ"});
    EXPECT_TRUE(result.ok) << result.error;
}

TEST(UsbSelector, ParsesVendorProductAndSerial) {
    drivers::UsbSelector selector;
    std::string error;
    ASSERT_TRUE(drivers::parseUsbSelector("0922:8003", selector, error));
    EXPECT_EQ(selector.vendor, 0x0922);
    EXPECT_EQ(selector.product, 0x8003);
    EXPECT_EQ(selector.serial, "");
    ASSERT_TRUE(drivers::parseUsbSelector("05e0:1200:S-PACK", selector, error));
    EXPECT_EQ(selector.serial, "S-PACK");
    EXPECT_EQ(drivers::toString(selector), "05e0:1200 serial S-PACK");
    EXPECT_FALSE(drivers::parseUsbSelector("dymo", selector, error));
    EXPECT_NE(error.find("vendor:product"), std::string::npos);
    EXPECT_FALSE(drivers::parseUsbSelector("05e0:", selector, error));
    EXPECT_FALSE(drivers::parseUsbSelector("05e0:1200:", selector, error));
}

}  // namespace
