/// The browser side of ``ConsoleBrowserTests``: a Python script driving headless Chromium with Selenium.
/// Its argument is a JSON file: `consoleURL`, `adminToken`, `submissionPort` (plain SMTP from a trusted
/// network), `rejectionsFile` (aiosmtpd's, emptied to lift the refusal), `hostileEmailID`, `screenshots`
/// (a directory), `chromedriver` and `certificate` (the broker's). It prints `STEP <what>` as it goes, `SCREENSHOT <path>` for each page,
/// and `DONE`, or `FAILED <why>` (after a screenshot of the page) with exit status 1.
enum ConsoleBrowserScript {
    static let source = #"""
        import base64, hashlib, json, os, smtplib, subprocess, sys
        from email.message import EmailMessage
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import Select, WebDriverWait

        with open(sys.argv[1]) as file:
            config = json.load(file)
        base = config["consoleURL"]
        os.makedirs(config["screenshots"], exist_ok=True)
        for name in os.listdir(config["screenshots"]):  # the last run's, so that none is mistaken for this one's
            if name.endswith(".png"):
                os.remove(os.path.join(config["screenshots"], name))


        def step(text):
            print("STEP " + text, flush=True)


        # Chromium trusts the broker's self-signed certificate by its public key alone (no certificate errors
        # ignored: a page with one is not a secure context).
        pem = subprocess.run(["openssl", "x509", "-in", config["certificate"], "-pubkey", "-noout"], check=True, capture_output=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pem, check=True, capture_output=True).stdout
        spki = base64.b64encode(hashlib.sha256(der).digest()).decode()
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--ignore-certificate-errors-spki-list=" + spki, "--window-size=1280,1000"]:
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(config["chromedriver"]), options=options)
        driver.set_page_load_timeout(60)
        wait = WebDriverWait(driver, 90)


        def shot(name):
            path = os.path.join(config["screenshots"], name + ".png")
            driver.save_screenshot(path)
            print("SCREENSHOT " + path, flush=True)


        def text_of(selector):
            return driver.find_element(By.CSS_SELECTOR, selector).text.strip()


        def wait_for_text(selector, expected):
            wait.until(lambda d: d.find_element(By.CSS_SELECTOR, selector).text.strip() == expected,
                       f"{selector} never read {expected!r} (last: {text_of(selector)!r})")


        def count(state):
            return int(text_of("#count-" + state))


        def click_and_confirm(element):
            """Clicks a button whose form asks for a confirmation (data-confirm) and accepts it."""
            asks = element.find_element(By.XPATH, "./ancestor::form").get_attribute("data-confirm")
            element.click()
            if asks:
                WebDriverWait(driver, 10).until(expected_conditions.alert_is_present())
                driver.switch_to.alert.accept()


        def submit(recipient, subject):
            message = EmailMessage()
            message["From"] = "app@example.com"
            message["To"] = recipient
            message["Subject"] = subject
            message.set_content("Sent through the submission listener by the browser test.\n")
            with smtplib.SMTP("127.0.0.1", config["submissionPort"], timeout=30) as smtp:
                smtp.send_message(message)


        try:
            step("a page without a session leads to the login; a wrong token is refused")
            driver.get(base + "/emails")
            wait.until(expected_conditions.presence_of_element_located((By.ID, "login-form")))
            shot("login")
            driver.find_element(By.ID, "token").send_keys("wrong-token-0123456789abcdef")
            driver.find_element(By.ID, "login-submit").click()
            wait.until(expected_conditions.presence_of_element_located((By.ID, "login-error")))

            step("log in with the admin token")
            driver.find_element(By.ID, "token").clear()
            driver.find_element(By.ID, "token").send_keys(config["adminToken"])
            driver.find_element(By.ID, "login-submit").click()
            wait.until(expected_conditions.presence_of_element_located((By.ID, "count-sent")))
            if "/emails" in driver.current_url:
                driver.get(base + "/")
                wait.until(expected_conditions.presence_of_element_located((By.ID, "count-sent")))
            sent, failed = count("sent"), count("failed")

            step("the counts change live while emails are sent (no reload)")
            for number in range(4):
                submit("ok@example.net", f"Welcome {number}")
            for number in range(3):
                submit("bounce@example.net", f"Bounced {number}")
            wait_for_text("#count-sent", str(sent + 4))
            wait_for_text("#count-failed", str(failed + 3))
            shot("overview")

            step("filter the failed emails by error code")
            driver.get(base + "/emails")
            form = driver.find_element(By.ID, "filter-form")
            Select(form.find_element(By.NAME, "state")).select_by_value("failed")
            form.find_element(By.NAME, "error-code").send_keys("SMTP_PERMANENT")
            driver.find_element(By.ID, "filter-submit").click()
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-email-id]")) == 3,
                       "the filtered page does not list the 3 failed emails")
            failed_ids = [row.get_attribute("data-email-id") for row in driver.find_elements(By.CSS_SELECTOR, "[data-email-id]")]
            shot("emails-failed")

            step("requeue them in bulk and watch them go out")
            with open(config["rejectionsFile"], "w") as file:
                json.dump({}, file)
            click_and_confirm(driver.find_element(By.ID, "bulk-requeue"))
            wait.until(lambda d: "3" in d.find_element(By.ID, "notice").text, "no notice of 3 emails requeued")
            shot("emails-requeued")
            driver.get(base + "/")
            wait_for_text("#count-sent", str(sent + 7))
            wait_for_text("#count-failed", str(failed))

            step("open an email and read its attempts")
            driver.get(base + "/emails/" + failed_ids[0])
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#email-attempts .attempt")) >= 2,
                       "the email page does not show two attempts")
            # Newest first: the send after the requeue, then the refusal.
            attempts = driver.find_elements(By.CSS_SELECTOR, "#email-attempts .attempt")
            outcomes = [attempt.get_attribute("data-outcome") for attempt in attempts]
            assert outcomes == ["sent", "failed"], f"attempt outcomes {outcomes}"
            assert "550" in attempts[1].text, f"the failed attempt does not show the 550 reply: {attempts[1].text!r}"
            assert all(attempt.get_attribute("data-provider") == "main" for attempt in attempts), \
                [attempt.get_attribute("data-provider") for attempt in attempts]
            shot("email")

            step("pause the provider and see the console show it")
            driver.get(base + "/providers")
            click_and_confirm(driver.find_element(By.CSS_SELECTOR, '[data-provider="main"] .provider-pause, .provider-pause'))
            wait_for_text('.provider-state', "paused")
            shot("providers-paused")
            click_and_confirm(driver.find_element(By.CSS_SELECTOR, ".provider-resume"))
            wait.until(lambda d: text_of(".provider-state") != "paused", "the provider stays paused")

            step("hostile subject, addresses and HTML are shown as text; the preview runs no script")
            driver.get(base + "/emails/" + config["hostileEmailID"])
            wait.until(expected_conditions.presence_of_element_located((By.ID, "email-subject")))
            assert "<script>" in text_of("#email-subject"), text_of("#email-subject")
            assert "<script>" in text_of("#email-from"), text_of("#email-from")
            preview = driver.find_element(By.ID, "email-preview")
            sandbox = preview.get_attribute("sandbox")
            assert sandbox is not None and "allow-scripts" not in sandbox, f"sandbox={sandbox!r}"
            driver.switch_to.frame(preview)
            body = driver.find_element(By.TAG_NAME, "body")
            assert "Hostile HTML" in body.text, f"the preview shows {body.text!r}"
            assert body.get_attribute("data-xss") is None, f"a script of the email ran in the preview: {body.get_attribute('data-xss')}"
            driver.switch_to.default_content()
            ran = driver.execute_script("return window.__mailtimeXSS === undefined ? null : window.__mailtimeXSS")
            assert ran is None, f"a script of the email ran in the console: {ran}"
            shot("email-hostile")
            print("DONE", flush=True)
        except Exception as error:
            try:
                shot("failure")
            except Exception:
                pass
            print(f"FAILED {type(error).__name__}: {error} at {driver.current_url}", flush=True)
            sys.exit(1)
        finally:
            driver.quit()
        """#
}
