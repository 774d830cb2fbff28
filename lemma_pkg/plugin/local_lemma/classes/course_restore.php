<?php
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>.

namespace local_lemma;

use local_lemma\local\precheck_stop;

/**
 * Course restores for lemma deploy: start (precheck, then queue), run (adhoc task), status.
 *
 * One row of local_lemma_restores per request. States: queued (the adhoc task waits for
 * cron), running (Moodle's restore plan runs), restored (only the final names are left to
 * set), finished, failed. The course, the backup controller, the row and the adhoc task are
 * created in one database transaction: a request that fails leaves none of them behind.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class course_restore {
    /** @var string The table of restores. */
    const TABLE = 'local_lemma_restores';
    /** @var string A new course in a category. */
    const TARGET_NEW = 'new';
    /** @var string The content of an existing course, replaced. */
    const TARGET_REPLACE = 'replace';
    /** @var string Waiting for cron to run the adhoc task. */
    const STATE_QUEUED = 'queued';
    /** @var string Moodle's restore plan is running. */
    const STATE_RUNNING = 'running';
    /** @var string Restored; the final names are not set yet. */
    const STATE_RESTORED = 'restored';
    /** @var string Done. */
    const STATE_FINISHED = 'finished';
    /** @var string Failed; a new course has been deleted again. */
    const STATE_FAILED = 'failed';

    /**
     * Check the names, unpack the backup, create the course (target new), run Moodle's
     * precheck, then queue the restore; or, with precheckonly or precheck errors, change nothing.
     *
     * @param array $params the validated parameters of local_lemma_restore_course
     * @param int $userid the user restoring
     * @return array the answer of local_lemma_restore_course
     */
    public static function start(array $params, int $userid): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');

        $isnew = $params['target'] === self::TARGET_NEW;
        self::require_free_names($params['shortname'], $params['idnumber'], $isnew ? 0 : $params['courseid']);
        if (!$isnew && $DB->record_exists_select(self::TABLE, 'courseid = ? AND state IN (?, ?, ?)',
                [$params['courseid'], self::STATE_QUEUED, self::STATE_RUNNING, self::STATE_RESTORED])) {
            throw new \moodle_exception('errorrestorerunning', 'local_lemma');
        }
        $file = get_file_storage()->get_file(\context_user::instance($userid)->id, 'user', 'draft',
            $params['draftitemid'], '/', $params['filename']);
        if (!$file) {
            throw new \moodle_exception('errornodraftfile', 'local_lemma', '', $params['filename']);
        }
        $tempdir = \restore_controller::get_tempdir_name(0, $userid);
        $path = make_backup_temp_directory($tempdir);
        if (!get_file_packer('application/vnd.moodle.backup')->extract_to_pathname($file, $path)) {
            fulldelete($path);
            throw new \moodle_exception('errornotabackup', 'local_lemma', '', $params['filename']);
        }

        $transaction = $DB->start_delegated_transaction();
        try {
            $courseid = $params['courseid'];
            if ($isnew) {
                // Hidden until restored; the names and idnumber are taken now, so nothing else gets them.
                $courseid = \restore_dbops::create_new_course($params['fullname'], $params['shortname'],
                    $params['categoryid']);
                $DB->set_field('course', 'idnumber', $params['idnumber'], ['id' => $courseid]);
            }
            $rc = new \restore_controller($tempdir, $courseid, \backup::INTERACTIVE_NO, \backup::MODE_ASYNC, $userid,
                $isnew ? \backup::TARGET_NEW_COURSE : \backup::TARGET_EXISTING_DELETING);
            $results = ['errors' => [self::refusal($rc)]];
            if ($results['errors'] === [null]) {
                self::apply_settings($rc, $params, $isnew);
                $rc->execute_precheck(true);
                $results = $rc->get_precheck_results();
            }
            $errors = array_values($results['errors'] ?? []);
            $warnings = array_values($results['warnings'] ?? []);
            if ($errors || $params['precheckonly']) {
                if ($rc->get_status() != \backup::STATUS_REQUIRE_CONV) {
                    $rc->destroy(); // A backup of another format has no plan to destroy.
                }
                throw new precheck_stop($errors ? 'refused' : 'prechecked', $errors, $warnings);
            }
            $now = time();
            $record = (object)[
                'requestid' => $params['requestid'],
                'restoreid' => $rc->get_restoreid(),
                'courseid' => $courseid,
                'categoryid' => $isnew ? $params['categoryid'] : (int)get_course($courseid)->category,
                'target' => $params['target'],
                'state' => self::STATE_QUEUED,
                'fullname' => $params['fullname'],
                'shortname' => $params['shortname'],
                'idnumber' => $params['idnumber'],
                'visible' => $params['visible'] ? 1 : 0,
                'sha256' => $params['sha256'],
                'message' => '',
                'timecreated' => $now,
                'timemodified' => $now,
            ];
            $record->id = $DB->insert_record(self::TABLE, $record);
            $task = new task\restore_course();
            $task->set_userid($userid);
            $task->set_custom_data(['restoreid' => $record->restoreid]);
            \core\task\manager::queue_adhoc_task($task);
            $rc->destroy();
            $transaction->allow_commit();
        } catch (precheck_stop $stop) {
            fulldelete($path);
            try {
                $transaction->rollback($stop);
            } catch (precheck_stop $rethrown) {
                // Rolled back: the new course and the controller are gone, as asked.
                return [
                    'restoreid' => '',
                    'requestid' => $params['requestid'],
                    'courseid' => 0,
                    'state' => $rethrown->state,
                    'errors' => $rethrown->errors,
                    'warnings' => $rethrown->warnings,
                ];
            }
        } catch (\Throwable $e) {
            fulldelete($path);
            $transaction->rollback($e);
        }
        return self::started($record, [], $warnings);
    }

    /**
     * The answer of local_lemma_restore_course for a started restore.
     *
     * @param \stdClass $record
     * @param array $errors
     * @param array $warnings
     * @return array
     */
    public static function started(\stdClass $record, array $errors, array $warnings): array {
        return [
            'restoreid' => $record->restoreid,
            'requestid' => $record->requestid,
            'courseid' => (int)$record->courseid,
            'state' => $record->state,
            'errors' => $errors,
            'warnings' => $warnings,
        ];
    }

    /**
     * The adhoc task's work: run the queued restore, then set the final names.
     *
     * @param string $restoreid
     * @param int $userid the user who asked for the restore
     */
    public static function run(string $restoreid, int $userid): void {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');

        $record = $DB->get_record(self::TABLE, ['restoreid' => $restoreid]);
        if (!$record || in_array($record->state, [self::STATE_FINISHED, self::STATE_FAILED])) {
            mtrace("local_lemma: restore $restoreid: nothing to do");
            return;
        }
        $controller = $DB->get_record('backup_controllers', ['backupid' => $restoreid], 'id, status');
        if ($record->state === self::STATE_RESTORED || ($controller && $controller->status == \backup::STATUS_FINISHED_OK)) {
            self::finish($record, $userid);
            mtrace("local_lemma: restore $restoreid: {$record->state} {$record->message}");
            return;
        }
        if (!$controller || $controller->status != \backup::STATUS_AWAITING) {
            // An earlier run of this task died halfway (its process was killed).
            self::fail($record, get_string('errorinterrupted', 'local_lemma'));
            mtrace("local_lemma: restore $restoreid: {$record->message}");
            return;
        }
        self::set_state($record, self::STATE_RUNNING);
        self::refresh_filetypes();
        $rc = \restore_controller::load_controller($restoreid);
        $restored = false;
        try {
            $rc->set_progress(new \core\progress\db_updater($controller->id, 'backup_controllers', 'progress'));
            $rc->execute_plan();
            $restored = true;
        } catch (\Throwable $e) {
            $rc->set_status(\backup::STATUS_FINISHED_ERR);
            \backup_helper::delete_backup_dir($rc->get_tempdir());
            self::fail($record, $e->getMessage());
        } finally {
            $rc->destroy();
        }
        if ($restored) {
            self::set_state($record, self::STATE_RESTORED);
            self::finish($record, $userid);
        }
        mtrace("local_lemma: restore $restoreid into course {$record->courseid}: {$record->state} {$record->message}");
    }

    /**
     * The status entry of one restore (local_lemma_restore_status).
     *
     * @param \stdClass $record
     * @return array
     */
    public static function status(\stdClass $record): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');

        $state = $record->state;
        $message = (string)$record->message;
        $controller = $DB->get_record('backup_controllers', ['backupid' => $record->restoreid], 'id, status, progress');
        $progress = $state === self::STATE_FINISHED ? 1.0 : (float)($controller->progress ?? 0);
        if (in_array($state, [self::STATE_QUEUED, self::STATE_RUNNING, self::STATE_RESTORED])) {
            $task = self::task_of($record->restoreid);
            if (!$task) {
                $state = self::STATE_FAILED;
                $message = get_string('errortaskgone', 'local_lemma');
            } else if (self::task_died($task)) {
                $state = self::STATE_FAILED;
                $message = get_string('errortaskdied', 'local_lemma', $task->get_pid());
            }
        }
        $warnings = $DB->get_fieldset_select('backup_logs', 'message', 'backupid = ? AND loglevel <= ?',
            [$record->restoreid, \backup::LOG_WARNING]);
        return [
            'restoreid' => $record->restoreid,
            'requestid' => $record->requestid,
            'courseid' => (int)$record->courseid,
            'categoryid' => (int)$record->categoryid,
            'target' => $record->target,
            'state' => $state,
            'progress' => min(1.0, max(0.0, $progress)),
            'fullname' => $record->fullname,
            'shortname' => $record->shortname,
            'idnumber' => (string)$record->idnumber,
            'visible' => (int)$record->visible,
            'sha256' => (string)$record->sha256,
            'message' => $message,
            'warnings' => array_values($warnings),
            'timecreated' => (int)$record->timecreated,
            'timemodified' => (int)$record->timemodified,
        ];
    }

    /**
     * Where the restore capability of a restore is checked: its course, else its category.
     *
     * @param \stdClass $record
     * @return \context
     */
    public static function context_of(\stdClass $record): \context {
        return \context_course::instance($record->courseid, IGNORE_MISSING)
            ?: \context_coursecat::instance($record->categoryid, IGNORE_MISSING)
            ?: \context_system::instance();
    }

    /**
     * Moodle renames a taken short name to "_1" and drops a taken idnumber: refuse instead.
     *
     * @param string $shortname
     * @param string $idnumber
     * @param int $courseid the course the names may belong to already (replace), or 0
     */
    private static function require_free_names(string $shortname, string $idnumber, int $courseid): void {
        global $DB;
        if ($DB->record_exists_select('course', 'shortname = ? AND id <> ?', [$shortname, $courseid])) {
            throw new \moodle_exception('shortnametaken', '', '', $shortname);
        }
        if ($idnumber !== '' && $DB->record_exists_select('course', 'idnumber = ? AND id <> ?', [$idnumber, $courseid])) {
            throw new \moodle_exception('courseidnumbertaken', 'error', '', $idnumber);
        }
    }

    /**
     * Why this controller cannot restore a course, or null.
     *
     * @param \restore_controller $rc
     * @return string|null
     */
    private static function refusal(\restore_controller $rc): ?string {
        if ($rc->get_status() == \backup::STATUS_REQUIRE_CONV) {
            return get_string('errornotmoodle2', 'local_lemma');
        }
        if ($rc->get_type() !== \backup::TYPE_1COURSE) {
            return get_string('errornotcoursebackup', 'local_lemma', $rc->get_type());
        }
        return null;
    }

    /**
     * The restore settings: the final names, and for a replace the course's own start date,
     * enrolments, roles, groups and groupings kept.
     *
     * @param \restore_controller $rc
     * @param array $params
     * @param bool $isnew
     */
    private static function apply_settings(\restore_controller $rc, array $params, bool $isnew): void {
        $settings = ['course_fullname' => $params['fullname'], 'course_shortname' => $params['shortname']];
        if (!$isnew) {
            $settings = ['overwrite_conf' => 1] + $settings + [
                'course_startdate' => (int)get_course($params['courseid'])->startdate,
                'keep_roles_and_enrolments' => 1,
                'keep_groups_and_groupings' => 1,
            ];
        }
        $plan = $rc->get_plan();
        foreach ($settings as $name => $value) {
            $setting = $plan->get_setting($name);
            if ($setting->get_status() != \base_setting::NOT_LOCKED) {
                $setting->set_status(\base_setting::NOT_LOCKED);
            }
            $setting->set_value($value);
        }
    }

    /**
     * Set the final names (and visibility of a new course), give authorless glossary entries
     * an author, and mark the restore finished.
     *
     * @param \stdClass $record
     * @param int $userid
     */
    private static function finish(\stdClass $record, int $userid): void {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/course/lib.php');
        try {
            $data = (object)['id' => $record->courseid, 'fullname' => $record->fullname, 'shortname' => $record->shortname];
            if ($record->idnumber !== '') {
                $data->idnumber = $record->idnumber;
            }
            if ($record->target === self::TARGET_NEW) {
                $data->visible = $record->visible;
            }
            update_course($data);
            // A restore without users leaves glossary entries with userid 0; the Moodle app's
            // mod_glossary_get_entries_by_letter then fails for learners. The deploying user owns them.
            $DB->set_field_select('glossary_entries', 'userid', $userid,
                'userid = 0 AND glossaryid IN (SELECT id FROM {glossary} WHERE course = ?)', [$record->courseid]);
        } catch (\Throwable $e) {
            self::fail($record, $e->getMessage());
            return;
        }
        self::set_state($record, self::STATE_FINISHED);
    }

    /**
     * Mark a restore failed; a new course is deleted again so that no half-restored course stays.
     * (Also called from web services: no output here.)
     *
     * @param \stdClass $record
     * @param string $message
     */
    private static function fail(\stdClass $record, string $message): void {
        global $DB;
        if ($record->target === self::TARGET_NEW && ($course = $DB->get_record('course', ['id' => $record->courseid]))) {
            $course->deletesource = 'restore';
            delete_course($course, false);
            $message .= ' ' . get_string('coursedeletedagain', 'local_lemma');
        }
        self::set_state($record, self::STATE_FAILED, $message);
    }

    /**
     * Record a new state.
     *
     * @param \stdClass $record
     * @param string $state
     * @param string|null $message
     */
    private static function set_state(\stdClass $record, string $state, ?string $message = null): void {
        global $DB;
        $record->state = $state;
        $record->timemodified = time();
        if ($message !== null) {
            $record->message = $message;
        }
        $DB->update_record(self::TABLE, $record);
    }

    /**
     * Read the site's file types afresh. A cron process keeps running for minutes and may have
     * loaded them before local_lemma_register_filetypes added one; the restore would then store
     * such files with a type sniffed from their content (text/plain).
     */
    private static function refresh_filetypes(): void {
        global $CFG;
        if (!array_key_exists('customfiletypes', $CFG->config_php_settings)) {
            $CFG->customfiletypes = get_config('core', 'customfiletypes');
        }
        \core_filetypes::reset_caches();
    }

    /**
     * Give up a restore whose task has died or is gone (local_lemma_restore_cleanup): its task
     * is removed and a new course it created is deleted. A finished restore is left alone; a
     * live one is refused.
     *
     * @param \stdClass $record
     * @return array the status entry afterwards
     */
    public static function cleanup(\stdClass $record): array {
        global $DB;
        $status = self::status($record);
        if ($status['state'] === self::STATE_FINISHED) {
            return $status;
        }
        if ($status['state'] !== self::STATE_FAILED) {
            throw new \moodle_exception('errorrestorerunning', 'local_lemma');
        }
        if ($task = self::task_of($record->restoreid)) {
            $DB->delete_records('task_adhoc', ['id' => $task->get_id()]);
        }
        if ($record->state !== self::STATE_FAILED || $DB->record_exists('course', ['id' => $record->courseid])) {
            self::fail($record, $status['message']);
        }
        return self::status($record);
    }

    /**
     * The adhoc task of a restore, while it is queued or running.
     *
     * @param string $restoreid
     * @return task\restore_course|null
     */
    private static function task_of(string $restoreid): ?task\restore_course {
        foreach (\core\task\manager::get_adhoc_tasks(task\restore_course::class) as $task) {
            if (($task->get_custom_data()->restoreid ?? '') === $restoreid) {
                return $task;
            }
        }
        return null;
    }

    /**
     * Whether a started task's process has ended without finishing it (the cron process was
     * killed). Moodle notices that only after an hour, in a nightly task, and does not run the
     * task again. Known only for processes on this host; elsewhere it is assumed alive.
     *
     * @param task\restore_course $task
     * @return bool
     */
    private static function task_died(task\restore_course $task): bool {
        $pid = (int)$task->get_pid();
        if (!$task->get_timestarted() || $pid <= 0 || $task->get_hostname() !== gethostname()) {
            return false;
        }
        if (function_exists('posix_kill')) {
            return !posix_kill($pid, 0) && posix_get_last_error() === 3; // ESRCH: no such process.
        }
        return is_dir('/proc/self') && !is_dir("/proc/$pid");
    }
}
