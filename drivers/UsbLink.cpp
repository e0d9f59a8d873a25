#include "drivers/UsbLink.h"

#include <libusb.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace drivers {

namespace {

namespace asio = boost::asio;

// Two interrupt transfers stay queued, so that the next report has somewhere to land while the
// previous one is being handed over.
constexpr int kReaders = 2;
// Closing waits this long for cancelled transfers to come back before it forces the handle shut.
constexpr auto kCloseWait = std::chrono::seconds(2);

std::string usbError(int rc) {
    switch (rc) {
        case LIBUSB_ERROR_ACCESS:
            return "permission denied (is the udev rule for stationd installed?)";
        case LIBUSB_ERROR_BUSY:
            return "in use by another program";
        case LIBUSB_ERROR_NO_DEVICE:
            return "device unplugged";
        case LIBUSB_ERROR_NOT_FOUND:
            return "not found";
        default:
            return libusb_strerror(rc);
    }
}

std::string describeTransfer(libusb_transfer_status status) {
    switch (status) {
        case LIBUSB_TRANSFER_COMPLETED:
            return {};
        case LIBUSB_TRANSFER_TIMED_OUT:
            return "timed out";
        case LIBUSB_TRANSFER_STALL:
            return "stalled: the device refused the request";
        case LIBUSB_TRANSFER_NO_DEVICE:
            return "device unplugged";
        case LIBUSB_TRANSFER_CANCELLED:
            return "cancelled: the device was closed";
        case LIBUSB_TRANSFER_OVERFLOW:
            return "the device sent more than was asked for";
        case LIBUSB_TRANSFER_ERROR:
            break;
    }
    return "transfer failed";
}

}  // namespace

struct UsbLink::Impl : std::enable_shared_from_this<UsbLink::Impl> {
    struct Session;

    // A control, bulk or interrupt OUT transfer in flight; freed by its own completion.
    struct OneShot {
        Session* session = nullptr;
        Done done;
        std::vector<unsigned char> buffer;
        bool in = false;
        bool isControl = false;
    };

    // One open device. Its transfers complete on the libusb thread: everything they share with
    // the io_context is under `mutex`.
    struct Session {
        asio::io_context* io = nullptr;
        std::weak_ptr<Impl> owner;
        unsigned long generation = 0;
        libusb_device* device = nullptr;
        libusb_device_handle* handle = nullptr;
        int interfaceNumber = 0;
        std::vector<libusb_transfer*> readers;
        std::vector<std::vector<unsigned char>> readerBuffers;

        std::mutex mutex;
        std::condition_variable idle;
        bool closing = false;
        int flying = 0;
        std::set<libusb_transfer*> oneShots;
    };

    Impl(asio::io_context& context, std::shared_ptr<UsbContext> usbContext,
         UsbLinkOptions linkOptions, Events linkEvents)
        : io(context),
          usb(std::move(usbContext)),
          options(std::move(linkOptions)),
          events(std::move(linkEvents)),
          retryTimer(context),
          retryDelay(options.retryMin) {
        detail = toString(options.selector) + " not looked for yet";
    }

    static void LIBUSB_CALL onRead(libusb_transfer* transfer) {
        auto* session = static_cast<Session*>(transfer->user_data);
        if (transfer->status == LIBUSB_TRANSFER_COMPLETED) {
            if (transfer->actual_length > 0) {
                std::vector<std::uint8_t> report(transfer->buffer,
                                                 transfer->buffer + transfer->actual_length);
                asio::post(*session->io, [owner = session->owner, gen = session->generation,
                                          report = std::move(report)] {
                    if (auto self = owner.lock()) {
                        self->onReport(gen, report);
                    }
                });
            }
            std::lock_guard lock(session->mutex);
            if (!session->closing) {
                const int rc = libusb_submit_transfer(transfer);
                if (rc == LIBUSB_SUCCESS) {
                    return;
                }
                postLost(*session, "cannot read from the device: " + usbError(rc));
            }
            --session->flying;
            session->idle.notify_all();
            return;
        }
        std::lock_guard lock(session->mutex);
        --session->flying;
        session->idle.notify_all();
        if (!session->closing) {
            postLost(*session, describeTransfer(transfer->status));
        }
    }

    static void postLost(Session& session, std::string why) {
        asio::post(*session.io,
                   [owner = session.owner, gen = session.generation, why = std::move(why)] {
                       if (auto self = owner.lock()) {
                           self->onLost(gen, why);
                       }
                   });
    }

    static void LIBUSB_CALL onOneShot(libusb_transfer* transfer) {
        auto* shot = static_cast<OneShot*>(transfer->user_data);
        Session* session = shot->session;
        UsbTransferResult result;
        result.ok = transfer->status == LIBUSB_TRANSFER_COMPLETED;
        result.transferred = static_cast<std::size_t>(std::max(0, transfer->actual_length));
        result.timedOut = transfer->status == LIBUSB_TRANSFER_TIMED_OUT;
        result.gone = transfer->status == LIBUSB_TRANSFER_NO_DEVICE ||
                      transfer->status == LIBUSB_TRANSFER_CANCELLED;
        result.error = describeTransfer(transfer->status);
        if (shot->in) {
            const unsigned char* data =
                shot->isControl ? libusb_control_transfer_get_data(transfer) : transfer->buffer;
            result.data.assign(reinterpret_cast<const char*>(data), result.transferred);
        }
        asio::post(*session->io,
                   [done = std::move(shot->done), result = std::move(result)] { done(result); });
        {
            std::lock_guard lock(session->mutex);
            session->oneShots.erase(transfer);
            --session->flying;
            session->idle.notify_all();
        }
        delete shot;
        libusb_free_transfer(transfer);
    }

    void start() {
        if (!stopped) {
            return;
        }
        stopped = false;
        if (usb == nullptr) {
            detail = toString(options.selector) + ": USB is not available";
            return;
        }
        if (usb->hasHotplug()) {
            subscription = usb->watch(
                options.selector.vendor, options.selector.product,
                [owner = weak_from_this(), context = &io](bool arrived, libusb_device* device) {
                    asio::post(*context, [owner, arrived, device] {
                        if (auto self = owner.lock()) {
                            self->onHotplug(arrived, device);
                        }
                    });
                });
        }
        asio::post(io, [owner = weak_from_this()] {
            if (auto self = owner.lock()) {
                self->tryOpen();
            }
        });
    }

    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        subscription.reset();
        retryTimer.cancel();
        closeSession();
        detail = toString(options.selector) + " stopped";
    }

    void onHotplug(bool arrived, libusb_device* device) {
        if (stopped) {
            return;
        }
        if (arrived) {
            if (session == nullptr) {
                tryOpen();
            }
        } else if (session != nullptr && session->device == device) {
            onLost(session->generation, "device unplugged");
        }
    }

    void onReport(unsigned long gen, const std::vector<std::uint8_t>& report) {
        if (session == nullptr || session->generation != gen || stopped) {
            return;
        }
        if (events.report) {
            events.report(report);
        }
    }

    void onLost(unsigned long gen, const std::string& why) {
        if (session == nullptr || session->generation != gen || stopped) {
            return;
        }
        closeSession();
        detail = toString(options.selector) + " lost: " + why + "; waiting for it to come back";
        if (events.disconnected) {
            events.disconnected(why);
        }
        // Once the device is gone for good the next look finds nothing and, with hotplug,
        // waits for it to arrive; a device that stayed (a transfer error) is reopened.
        retryDelay = options.retryMin;
        scheduleRetry();
    }

    void scheduleRetry() {
        retryTimer.expires_after(retryDelay);
        retryDelay = std::min(retryDelay * 2, options.retryMax);
        retryTimer.async_wait([owner = weak_from_this()](const boost::system::error_code& ec) {
            auto self = owner.lock();
            if (!ec && self) {
                self->tryOpen();
            }
        });
    }

    enum class OpenResult { Opened, NotOurs, Failed };

    void tryOpen() {
        if (stopped || session != nullptr) {
            return;
        }
        retryTimer.cancel();
        libusb_device** list = nullptr;
        const ssize_t count = libusb_get_device_list(usb->get(), &list);
        bool seen = false;
        std::string problem;
        for (ssize_t i = 0; i < count && session == nullptr; ++i) {
            libusb_device_descriptor descriptor{};
            if (libusb_get_device_descriptor(list[i], &descriptor) != LIBUSB_SUCCESS ||
                descriptor.idVendor != options.selector.vendor ||
                descriptor.idProduct != options.selector.product) {
                continue;
            }
            std::string why;
            const OpenResult result = open(list[i], descriptor, why);
            if (result != OpenResult::NotOurs) {
                seen = true;
            }
            if (result == OpenResult::Failed) {
                problem = why;
            }
        }
        if (count >= 0) {
            libusb_free_device_list(list, 1);
        }
        const std::string selected = toString(options.selector);
        if (session != nullptr) {
            retryDelay = options.retryMin;
            const UsbInterfaceInfo& found = info;
            std::string name = found.manufacturer;
            if (!found.product.empty()) {
                name += (name.empty() ? "" : " ") + found.product;
            }
            detail = selected + (name.empty() ? "" : " (" + name + ")") + " on bus " +
                     std::to_string(found.bus) + " address " + std::to_string(found.address);
            if (events.connected) {
                events.connected(found);
            }
            return;
        }
        if (count < 0) {
            detail = selected + ": cannot list USB devices: " + usbError(static_cast<int>(count));
        } else if (!seen) {
            detail = selected + " not plugged in";
            if (usb->hasHotplug()) {
                return;  // hotplug tells when it arrives
            }
        } else {
            detail = selected + " found but " + problem;
        }
        scheduleRetry();
    }

    OpenResult open(libusb_device* device, const libusb_device_descriptor& descriptor,
                    std::string& why) {
        libusb_device_handle* handle = nullptr;
        if (const int rc = libusb_open(device, &handle); rc != LIBUSB_SUCCESS) {
            why = "cannot be opened: " + usbError(rc);
            return OpenResult::Failed;
        }
        auto fail = [&](std::string reason) {
            libusb_close(handle);
            why = std::move(reason);
            return OpenResult::Failed;
        };
        auto readString = [&](std::uint8_t index) -> std::string {
            if (index == 0) {
                return {};
            }
            unsigned char text[256];
            const int length = libusb_get_string_descriptor_ascii(handle, index, text, sizeof text);
            return length > 0 ? std::string(reinterpret_cast<char*>(text),
                                            static_cast<std::size_t>(length))
                              : std::string();
        };
        UsbInterfaceInfo found;
        found.bus = libusb_get_bus_number(device);
        found.address = libusb_get_device_address(device);
        found.serial = readString(descriptor.iSerialNumber);
        if (!options.selector.serial.empty() && found.serial != options.selector.serial) {
            libusb_close(handle);
            return OpenResult::NotOurs;
        }
        found.manufacturer = readString(descriptor.iManufacturer);
        found.product = readString(descriptor.iProduct);

        libusb_config_descriptor* config = nullptr;
        if (const int rc = libusb_get_active_config_descriptor(device, &config);
            rc != LIBUSB_SUCCESS) {
            return fail("has no readable configuration: " + usbError(rc));
        }
        const libusb_interface_descriptor* chosen = nullptr;
        for (int i = 0; i < config->bNumInterfaces; ++i) {
            const libusb_interface& candidates = config->interface[i];
            for (int a = 0; a < candidates.num_altsetting; ++a) {
                const libusb_interface_descriptor& alt = candidates.altsetting[a];
                if (alt.bInterfaceClass != options.interfaceClass) {
                    continue;
                }
                if (chosen == nullptr || (alt.bInterfaceProtocol == options.preferredProtocol &&
                                          chosen->bInterfaceProtocol != options.preferredProtocol &&
                                          alt.bInterfaceNumber == chosen->bInterfaceNumber)) {
                    chosen = &alt;
                }
            }
            if (chosen != nullptr) {
                break;
            }
        }
        if (chosen != nullptr) {
            found.number = chosen->bInterfaceNumber;
            found.altSetting = chosen->bAlternateSetting;
            found.interfaceClass = chosen->bInterfaceClass;
            found.subclass = chosen->bInterfaceSubClass;
            found.protocol = chosen->bInterfaceProtocol;
            for (int e = 0; e < chosen->bNumEndpoints; ++e) {
                const libusb_endpoint_descriptor& endpoint = chosen->endpoint[e];
                const int type = endpoint.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
                const bool in = (endpoint.bEndpointAddress & LIBUSB_ENDPOINT_IN) != 0;
                const std::size_t size = endpoint.wMaxPacketSize & 0x7ff;
                if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in && found.interruptIn == 0) {
                    found.interruptIn = endpoint.bEndpointAddress;
                    found.interruptInSize = size;
                } else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && !in &&
                           found.interruptOut == 0) {
                    found.interruptOut = endpoint.bEndpointAddress;
                } else if (type == LIBUSB_TRANSFER_TYPE_BULK && in && found.bulkIn == 0) {
                    found.bulkIn = endpoint.bEndpointAddress;
                    found.bulkInSize = size;
                } else if (type == LIBUSB_TRANSFER_TYPE_BULK && !in && found.bulkOut == 0) {
                    found.bulkOut = endpoint.bEndpointAddress;
                }
            }
        }
        libusb_free_config_descriptor(config);
        if (chosen == nullptr) {
            return fail("has no interface of class " + std::to_string(options.interfaceClass));
        }
        if (options.readInterrupt && (found.interruptIn == 0 || found.interruptInSize == 0)) {
            return fail("has no interrupt IN endpoint to read from");
        }

        // The kernel driver (usbhid, usblp) lets go of the interface and libusb claims it in one
        // step, so nothing typed by a wedge scanner reaches another program. It gets the
        // interface back when we release it.
        libusb_set_auto_detach_kernel_driver(handle, 1);
        if (const int rc = libusb_claim_interface(handle, found.number); rc != LIBUSB_SUCCESS) {
            return fail("cannot be claimed: " + usbError(rc));
        }
        if (found.altSetting != 0) {
            if (const int rc =
                    libusb_set_interface_alt_setting(handle, found.number, found.altSetting);
                rc != LIBUSB_SUCCESS) {
                libusb_release_interface(handle, found.number);
                return fail("refuses its alternate setting: " + usbError(rc));
            }
        }

        auto opened = std::make_unique<Session>();
        opened->io = &io;
        opened->owner = weak_from_this();
        opened->generation = ++generation;
        opened->device = libusb_ref_device(device);
        opened->handle = handle;
        opened->interfaceNumber = found.number;
        session = std::move(opened);
        info = found;

        if (options.readInterrupt) {
            Session& s = *session;
            s.readerBuffers.assign(kReaders, std::vector<unsigned char>(found.interruptInSize));
            for (int k = 0; k < kReaders; ++k) {
                libusb_transfer* transfer = libusb_alloc_transfer(0);
                libusb_fill_interrupt_transfer(
                    transfer, handle, found.interruptIn, s.readerBuffers[k].data(),
                    static_cast<int>(found.interruptInSize), &onRead, &s, 0);
                s.readers.push_back(transfer);
                std::lock_guard lock(s.mutex);
                if (const int rc = libusb_submit_transfer(transfer); rc != LIBUSB_SUCCESS) {
                    why = "cannot start reading: " + usbError(rc);
                    s.closing = true;
                    break;
                }
                ++s.flying;
            }
            if (s.closing) {
                closeSession();
                return OpenResult::Failed;
            }
        }
        return OpenResult::Opened;
    }

    void closeSession() {
        std::unique_ptr<Session> s = std::move(session);
        if (s == nullptr) {
            return;
        }
        {
            std::unique_lock lock(s->mutex);
            s->closing = true;
            for (libusb_transfer* transfer : s->readers) {
                libusb_cancel_transfer(transfer);
            }
            for (libusb_transfer* transfer : s->oneShots) {
                libusb_cancel_transfer(transfer);
            }
            s->idle.wait_for(lock, kCloseWait, [&] { return s->flying == 0; });
        }
        libusb_release_interface(s->handle, s->interfaceNumber);
        // No completion runs for this handle once libusb_close has returned.
        libusb_close(s->handle);
        std::set<libusb_transfer*> leftovers;
        {
            std::lock_guard lock(s->mutex);
            leftovers.swap(s->oneShots);
        }
        for (libusb_transfer* transfer : leftovers) {
            auto* shot = static_cast<OneShot*>(transfer->user_data);
            UsbTransferResult result;
            result.gone = true;
            result.error = "the device was closed";
            asio::post(io, [done = std::move(shot->done), result] { done(result); });
            delete shot;
            libusb_free_transfer(transfer);
        }
        for (libusb_transfer* transfer : s->readers) {
            libusb_free_transfer(transfer);
        }
        libusb_unref_device(s->device);
    }

    void submitOneShot(std::unique_ptr<OneShot> shot,
                       const std::function<void(libusb_transfer*)>& fill, Done& done) {
        if (session == nullptr) {
            UsbTransferResult result;
            result.gone = true;
            result.error = "not connected: " + detail;
            asio::post(io, [done = std::move(done), result] { done(result); });
            return;
        }
        Session& s = *session;
        shot->session = &s;
        shot->done = std::move(done);
        libusb_transfer* transfer = libusb_alloc_transfer(0);
        transfer->user_data = shot.get();
        fill(transfer);
        transfer->callback = &onOneShot;
        std::lock_guard lock(s.mutex);
        if (const int rc = libusb_submit_transfer(transfer); rc != LIBUSB_SUCCESS) {
            UsbTransferResult result;
            result.gone = rc == LIBUSB_ERROR_NO_DEVICE;
            result.error = usbError(rc);
            asio::post(io, [done = std::move(shot->done), result] { done(result); });
            libusb_free_transfer(transfer);
            return;
        }
        s.oneShots.insert(transfer);
        ++s.flying;
        shot.release();  // freed by onOneShot, or by closeSession
    }

    asio::io_context& io;
    std::shared_ptr<UsbContext> usb;
    const UsbLinkOptions options;
    const Events events;
    asio::steady_timer retryTimer;
    std::chrono::milliseconds retryDelay;
    std::unique_ptr<UsbContext::Subscription> subscription;
    std::unique_ptr<Session> session;
    UsbInterfaceInfo info;
    unsigned long generation = 0;
    bool stopped = true;
    std::string detail;
};

UsbLink::UsbLink(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb,
                 UsbLinkOptions options, Events events)
    : impl_(std::make_shared<Impl>(io, std::move(usb), std::move(options), std::move(events))) {}

UsbLink::~UsbLink() {
    impl_->stop();
}

void UsbLink::start() {
    impl_->start();
}

void UsbLink::stop() {
    impl_->stop();
}

bool UsbLink::connected() const {
    return impl_->session != nullptr;
}

const std::string& UsbLink::detail() const {
    return impl_->detail;
}

const UsbInterfaceInfo& UsbLink::info() const {
    return impl_->info;
}

const UsbSelector& UsbLink::selector() const {
    return impl_->options.selector;
}

void UsbLink::control(std::uint8_t requestType, std::uint8_t request, std::uint16_t value,
                      std::uint16_t index, std::string out, std::uint16_t inLength,
                      std::chrono::milliseconds timeout, Done done) {
    auto shot = std::make_unique<Impl::OneShot>();
    shot->isControl = true;
    shot->in = (requestType & LIBUSB_ENDPOINT_IN) != 0;
    const std::size_t length = shot->in ? inLength : out.size();
    shot->buffer.resize(LIBUSB_CONTROL_SETUP_SIZE + length);
    libusb_fill_control_setup(shot->buffer.data(), requestType, request, value, index,
                              static_cast<std::uint16_t>(length));
    if (!shot->in) {
        std::copy(out.begin(), out.end(), shot->buffer.begin() + LIBUSB_CONTROL_SETUP_SIZE);
    }
    unsigned char* buffer = shot->buffer.data();
    libusb_device_handle* handle = impl_->session != nullptr ? impl_->session->handle : nullptr;
    impl_->submitOneShot(
        std::move(shot),
        [&](libusb_transfer* transfer) {
            libusb_fill_control_transfer(transfer, handle, buffer, nullptr, transfer->user_data,
                                         static_cast<unsigned>(timeout.count()));
        },
        done);
}

namespace {

void fillBulkOrInterrupt(libusb_transfer* transfer, libusb_device_handle* handle,
                         std::uint8_t endpoint, unsigned char* buffer, std::size_t length,
                         std::chrono::milliseconds timeout, bool interrupt) {
    if (interrupt) {
        libusb_fill_interrupt_transfer(transfer, handle, endpoint, buffer, static_cast<int>(length),
                                       nullptr, transfer->user_data,
                                       static_cast<unsigned>(timeout.count()));
    } else {
        libusb_fill_bulk_transfer(transfer, handle, endpoint, buffer, static_cast<int>(length),
                                  nullptr, transfer->user_data,
                                  static_cast<unsigned>(timeout.count()));
    }
}

}  // namespace

void UsbLink::bulkOut(std::string data, std::chrono::milliseconds timeout, Done done) {
    auto shot = std::make_unique<Impl::OneShot>();
    shot->buffer.assign(data.begin(), data.end());
    unsigned char* buffer = shot->buffer.data();
    const std::size_t length = shot->buffer.size();
    libusb_device_handle* handle = impl_->session != nullptr ? impl_->session->handle : nullptr;
    const std::uint8_t endpoint = impl_->info.bulkOut;
    impl_->submitOneShot(
        std::move(shot),
        [&](libusb_transfer* transfer) {
            fillBulkOrInterrupt(transfer, handle, endpoint, buffer, length, timeout, false);
        },
        done);
}

void UsbLink::bulkIn(std::size_t length, std::chrono::milliseconds timeout, Done done) {
    auto shot = std::make_unique<Impl::OneShot>();
    shot->in = true;
    shot->buffer.resize(length);
    unsigned char* buffer = shot->buffer.data();
    libusb_device_handle* handle = impl_->session != nullptr ? impl_->session->handle : nullptr;
    const std::uint8_t endpoint = impl_->info.bulkIn;
    impl_->submitOneShot(
        std::move(shot),
        [&](libusb_transfer* transfer) {
            fillBulkOrInterrupt(transfer, handle, endpoint, buffer, length, timeout, false);
        },
        done);
}

void UsbLink::interruptOut(std::string data, std::chrono::milliseconds timeout, Done done) {
    auto shot = std::make_unique<Impl::OneShot>();
    shot->buffer.assign(data.begin(), data.end());
    unsigned char* buffer = shot->buffer.data();
    const std::size_t length = shot->buffer.size();
    libusb_device_handle* handle = impl_->session != nullptr ? impl_->session->handle : nullptr;
    const std::uint8_t endpoint = impl_->info.interruptOut;
    impl_->submitOneShot(
        std::move(shot),
        [&](libusb_transfer* transfer) {
            fillBulkOrInterrupt(transfer, handle, endpoint, buffer, length, timeout, true);
        },
        done);
}

}  // namespace drivers
