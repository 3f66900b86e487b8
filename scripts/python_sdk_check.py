"""Runs Zoho's official Python SDK (PyPI `zohocrmsdk8-0`) against a running zoho-emulator.

Usage: python3 scripts/python_sdk_check.py BASE_URL

The SDK is pointed at the emulator with DataCenter.Environment(url, accounts_url,
file_upload_url) and a refresh token, so it also goes through the emulator's token endpoint and
its own start-up calls (current user, org). Each of list, upload file, upload link, download,
delete one, delete many, photo upload, photo download and photo delete (on Leads, a custom
module and Deals), the settings calls (modules, fields) and a file-upload field (file-store
upload, record update with the file id, record read, field download, removal) must come back
as the SDK's success type, parsed without error. Prints `N passed, N failed` and exits non-zero on any
failure.
"""

import os
import sys
import tempfile

import requests

from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
from zohocrmsdk.src.com.zoho.crm.api.attachments import (
    APIException as AttachmentsError,
    ActionWrapper,
    AttachmentsOperations,
    DeleteAttachmentsParam,
    FileBodyWrapper,
    GetAttachmentsParam,
    ResponseWrapper,
    SuccessResponse,
    UploadUrlAttachmentsParam,
)
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.field_attachments import (
    FieldAttachmentsOperations,
    FileBodyWrapper as FieldFileBody,
)
from zohocrmsdk.src.com.zoho.crm.api.files import (
    ActionWrapper as FilesAction,
    BodyWrapper as FilesBody,
    FilesOperations,
    SuccessResponse as FileStored,
)
from zohocrmsdk.src.com.zoho.crm.api.fields import (
    FieldsOperations,
    GetFieldsParam,
    ResponseWrapper as FieldsResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.header_map import HeaderMap
from zohocrmsdk.src.com.zoho.crm.api.modules import (
    ModulesOperations,
    ResponseWrapper as ModulesResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import (
    ActionWrapper as RecordAction,
    BodyWrapper as RecordBody,
    FileBodyWrapper as PhotoBodyWrapper,
    FileDetails,
    FileHandler,
    GetRecordParam,
    Record,
    RecordOperations,
    ResponseWrapper as RecordResponse,
    SuccessResponse as RecordSuccess,
)
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.util import StreamWrapper

CLIENT_ID = "1000.EMULATORCLIENTID0000000000"
CLIENT_SECRET = "emulator-client-secret"
REFRESH_TOKEN = "1000.emulator0refresh0token.0000000000000000"
ACCESS_TOKEN = "1000.emulator0access0token.0000000000000000"
MODULE = "Leads"
# 6 attachment checks, 3 photo checks for each of 3 modules, 2 settings checks, 5 field checks.
EXPECTED = 22
RECORD = 5725767000000010002

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail))


def describe(obj):
    if obj is None:
        return "no object"
    try:
        return "%s %s %s" % (type(obj).__name__, obj.get_code().get_value(), obj.get_message())
    except Exception:
        return type(obj).__name__


def action_ok(response):
    """An ActionWrapper whose every item is a SuccessResponse."""
    if response is None or response.get_status_code() != 200:
        return False, "status %s" % (response and response.get_status_code())
    obj = response.get_object()
    if not isinstance(obj, ActionWrapper):
        return False, describe(obj)
    items = obj.get_data()
    bad = [describe(i) for i in items if not isinstance(i, SuccessResponse)]
    return not bad and len(items) > 0, "; ".join(bad)


def stream_bytes(data):
    if data is not None and not isinstance(data, (bytes, bytearray)):
        data = b"".join(data.iter_content()) if hasattr(data, "iter_content") else data.read()
    return data


def update_field(records, entry):
    """Sets File_Upload of RECORD to [entry] through the SDK's record update."""
    record = Record()
    record.add_key_value("File_Upload", [entry])
    body = RecordBody()
    body.set_data([record])
    response = records.update_record(RECORD, body, HeaderMap())
    obj = response.get_object() if response else None
    items = obj.get_data() if isinstance(obj, RecordAction) else []
    return len(items) == 1 and isinstance(items[0], RecordSuccess), describe(obj)


def field_files(records):
    p = ParameterMap()
    p.add(GetRecordParam.fields, "File_Upload")
    response = records.get_record(RECORD, p, HeaderMap())
    obj = response.get_object() if response else None
    if not isinstance(obj, RecordResponse):
        return None, describe(obj)
    return obj.get_data()[0].get_key_value("File_Upload") or [], ""


def file_field_checks(work):
    """A file-upload field as the SDK sets it: the file store, then the record update with the
    SDK's `File_Id__s`, read back as FileDetails, downloaded by the entry's id, and removed."""
    path = os.path.join(work, "sdk-field.pdf")
    content = b"%PDF-1.4 put in a file-upload field by zoho's python sdk\n"
    with open(path, "wb") as f:
        f.write(content)
    body = FilesBody()
    body.set_file([StreamWrapper(file_path=path)])
    response = FilesOperations().upload_files(body, ParameterMap())
    obj = response.get_object() if response else None
    items = obj.get_data() if isinstance(obj, FilesAction) else []
    ok = len(items) == 1 and isinstance(items[0], FileStored)
    check("file store upload", ok, describe(obj))
    if not ok:
        return
    records = RecordOperations(MODULE)
    entry = FileDetails()
    entry.set_file_id__s(items[0].get_details()["id"])
    ok, why = update_field(records, entry)
    check("file-upload field update", ok, why)
    held, why = field_files(records)
    ours = [f for f in held or [] if isinstance(f, FileDetails) and f.get_file_id__s() == entry.get_file_id__s()]
    ok = len(ours) == 1 and ours[0].get_file_name__s() == "sdk-field.pdf"
    check("file-upload field read", ok, why or repr([vars(f) for f in held or []]))
    if not ok:
        return
    entry_id = ours[0].get_id()
    response = FieldAttachmentsOperations(MODULE, RECORD, int(entry_id)).get_field_attachments()
    obj = response.get_object() if response else None
    ok = isinstance(obj, FieldFileBody) and obj.get_file() is not None
    data = stream_bytes(obj.get_file().get_stream()) if ok else None
    check("file-upload field download", ok and data == content and obj.get_file().get_name() == "sdk-field.pdf",
          describe(obj) if not ok else "name %r, %r" % (obj.get_file().get_name(), data))
    removal = FileDetails()
    removal.set_id(entry_id)
    removal.set_delete(None)
    ok, why = update_field(records, removal)
    held, _ = field_files(records)
    gone = held is not None and all(f.get_id() != entry_id for f in held)
    check("file-upload field removal", ok and gone, why if not ok else "still held")


def main(base):
    work = tempfile.mkdtemp(prefix="zoho-sdk-check-")
    # accounts_url is the token URL itself, as in the SDK's own data-centre table.
    environment = DataCenter.Environment(base, base + "/oauth/v2/token", base)
    token = OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN)
    Initializer.initialize(
        environment=environment,
        token=token,
        store=FileStore(os.path.join(work, "tokens.txt")),
        sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
        resource_path=work,
    )
    ops = AttachmentsOperations()

    # Upload a file.
    path = os.path.join(work, "sdk-upload.txt")
    content = b"uploaded by zoho's python sdk\n"
    with open(path, "wb") as f:
        f.write(content)
    body = FileBodyWrapper()
    body.set_file(StreamWrapper(file_path=path))
    ok, why = action_ok(ops.upload_attachments(RECORD, MODULE, body))
    check("upload file", ok, why)

    # Upload a link.
    p = ParameterMap()
    p.add(UploadUrlAttachmentsParam.attachmenturl, "https://www.zoho.com")
    p.add(UploadUrlAttachmentsParam.title, "Zoho")
    ok, why = action_ok(ops.upload_url_attachments(RECORD, MODULE, p))
    check("upload link", ok, why)

    # List.
    p = ParameterMap()
    p.add(GetAttachmentsParam.fields, "id,File_Name,Size")
    response = ops.get_attachments(RECORD, MODULE, p)
    obj = response.get_object() if response else None
    ids = []
    file_id = None
    if isinstance(obj, ResponseWrapper):
        for a in obj.get_data():
            ids.append(str(a.get_id()))
            if a.get_file_name() == "sdk-upload.txt":
                file_id = str(a.get_id())
    check("list", isinstance(obj, ResponseWrapper) and len(ids) == 2 and file_id is not None, describe(obj))

    # Download.
    response = ops.get_attachment(int(file_id), RECORD, MODULE)
    obj = response.get_object() if response else None
    ok = isinstance(obj, FileBodyWrapper) and obj.get_file() is not None
    data = stream_bytes(obj.get_file().get_stream()) if ok else None
    check("download", ok and data == content and obj.get_file().get_name() == "sdk-upload.txt",
          describe(obj) if not ok else "name %r, %r" % (obj.get_file().get_name(), data))

    # Delete one, then many.
    others = [i for i in ids if i != file_id]
    ok, why = action_ok(ops.delete_attachment(int(file_id), RECORD, MODULE))
    check("delete one", ok, why)
    extra = FileBodyWrapper()
    extra.set_file(StreamWrapper(file_path=path))
    ops.upload_attachments(RECORD, MODULE, extra)
    p = ParameterMap()
    p.add(GetAttachmentsParam.fields, "id")
    listed = ops.get_attachments(RECORD, MODULE, p).get_object().get_data()
    p = ParameterMap()
    for a in listed:
        p.add(DeleteAttachmentsParam.ids, str(a.get_id()))
    ok, why = action_ok(ops.delete_attachments(RECORD, MODULE, p))
    check("delete many (%d ids)" % len(listed), ok and len(listed) == 2, why)

    # Record photos: Leads (in the SDK's own list of photo modules), a custom module (the SDK
    # reads settings/modules first and lets `custom` modules through), and Deals, whose photo
    # upload the SDK refuses by its own rule (a `default` module outside its list) once it has
    # read the emulator's module metadata; Deals' photo is put there over HTTP, and the SDK
    # downloads and deletes it.
    png = os.path.join(work, "face.png")
    png_bytes = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with open(png, "wb") as f:
        f.write(png_bytes)
    for module, record, sdk_uploads in [
        (MODULE, RECORD, True),
        ("CustomModule1", 5725767000000210001, True),
        ("Deals", 5725767000000040001, False),
    ]:
        records = RecordOperations(module)
        body = PhotoBodyWrapper()
        body.set_file(StreamWrapper(file_path=png))
        if sdk_uploads:
            try:
                obj = records.upload_photo(record, body).get_object()
                check("photo upload (%s)" % module, isinstance(obj, RecordSuccess), describe(obj))
            except SDKException as e:
                check("photo upload (%s)" % module, False, str(e))
        else:
            try:
                records.upload_photo(record, body)
                check("photo upload refused by the SDK (%s)" % module, False, "the SDK sent it")
            except SDKException as e:
                check("photo upload refused by the SDK (%s)" % module,
                      e.code == "UPLOAD PHOTO UNSUPPORTED MODULE", str(e))
            answer = requests.post(
                "%s/crm/v8/%s/%d/photo" % (base, module, record),
                headers={"Authorization": "Zoho-oauthtoken " + ACCESS_TOKEN},
                files={"file": ("face.png", png_bytes, "image/png")},
            )
            if answer.status_code != 200:
                check("photo put over HTTP (%s)" % module, False, answer.text)
        response = records.get_photo(record)
        obj = response.get_object() if response else None
        ok = isinstance(obj, PhotoBodyWrapper) and obj.get_file() is not None
        check("photo download (%s)" % module, ok, describe(obj))
        response = records.delete_photo(record)
        obj = response.get_object() if response else None
        check("photo delete (%s)" % module, isinstance(obj, RecordSuccess), describe(obj))

    # The settings calls the SDK makes on its own, called directly: every module with its
    # generated_type, and a module's fields with their data types.
    response = ModulesOperations().get_modules(ParameterMap(), HeaderMap())
    obj = response.get_object() if response else None
    types = {}
    if isinstance(obj, ModulesResponse):
        types = {m.get_api_name(): m.get_generated_type().get_value() for m in obj.get_modules()}
    check("settings/modules", types.get("CustomModule1") == "custom" and types.get("Deals") == "default",
          describe(obj) if not types else repr(types))
    p = ParameterMap()
    p.add(GetFieldsParam.module, MODULE)
    response = FieldsOperations().get_fields(p)
    obj = response.get_object() if response else None
    kinds = {}
    if isinstance(obj, FieldsResponse):
        kinds = {f.get_api_name(): f.get_data_type() for f in obj.get_fields()}
    check("settings/fields", kinds.get("File_Upload") == "fileupload" and kinds.get("Image_Upload") == "imageupload",
          describe(obj) if not kinds else repr(kinds))

    file_field_checks(work)

    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed != EXPECTED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].rstrip("/")))
